import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsString, Matches } from 'class-validator';

/** Crockford's base32 alphabet (no i, l, o, u): recovery codes are read off paper and typed back. */
export const RECOVERY_CODE_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const RECOVERY_CODE_LENGTH = 12;

/** The canonical form of a typed recovery code: lower case, without the dashes and spaces it is shown with. */
export function canonicalRecoveryCode(value: string): string {
  return value.toLowerCase().replace(/[\s-]/g, '');
}

/** A TOTP code as an authenticator app shows it: six digits (RFC 6238 with the usual parameters). */
export const TotpCodeField = () =>
  applyDecorators(
    ApiProperty({ description: 'The 6-digit code of the authenticator app', example: '123456', required: false }),
    IsString({ message: 'code must be the 6 digits of the authenticator app' }),
    Matches(/^\d{6}$/, { message: 'code must be the 6 digits of the authenticator app' }),
  );

/** A recovery code as shown at enrolment (`xxxx-xxxx-xxxx`), in any case, dashes optional. */
export const RecoveryCodeField = () =>
  applyDecorators(
    ApiProperty({ description: 'One of the recovery codes shown at enrolment', example: '7kq2-m9vd-4hxt', required: false }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.length <= 64 ? canonicalRecoveryCode(value) : value)),
    IsString({ message: 'recoveryCode must be a recovery code as shown (xxxx-xxxx-xxxx)' }),
    Matches(new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`), {
      message: 'recoveryCode must be a recovery code as shown (xxxx-xxxx-xxxx)',
    }),
  );

/**
 * A WebAuthn response as `@simplewebauthn/browser` (or `PublicKeyCredential.toJSON()`) gives it. Only its shape as an
 * object is checked here: its content is the passkeys module's to refuse (PASSKEY_INVALID), and fields the WebAuthn
 * JSON gains later are ignored rather than refused.
 */
export const PasskeyResponseField = (description: string, required = true) =>
  applyDecorators(
    ApiProperty({ description, required, type: Object, additionalProperties: true }),
    IsObject({ message: 'the WebAuthn response must be a JSON object' }),
  );

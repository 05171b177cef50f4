import { Transform } from 'class-transformer';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { CONTROL_CHARACTERS, PASSWORD_MAX_BYTES } from './identifiers';

/** Trims and NFKC-normalizes a string field before validation; other types pass through to fail their checks. */
export const NormalizeText = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().normalize('NFKC') : value));

/** NFKC-normalizes a password (never trims it), the same at registration and at login. */
export const NormalizePassword = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.normalize('NFKC') : value));

/** A string of at most 72 UTF-8 bytes with no control characters: what bcrypt hashes without cutting. */
export function IsBcryptSafe(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBcryptSafe',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES && !CONTROL_CHARACTERS.test(value),
        defaultMessage: (args) =>
          `${args?.property} must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8 with no control characters (longer passwords are refused, never cut)`,
      },
    });
}

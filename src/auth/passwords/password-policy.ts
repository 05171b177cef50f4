import { applyDecorators, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { NormalizePassword } from '../../common/validation/decorators';
import { bcryptUnsafeMessage, isBcryptSafe } from '../../common/validation/identifiers';
import { ConfiguredRule, createValidationPipe } from '../../common/validation/validation.pipe';
import { isCommonPassword } from './common-passwords';

const NEW_PASSWORD_FIELDS = Symbol('newPasswordFields');

/** The least PASSWORD_MIN_LENGTH may be (environment.ts). */
const LENGTH_FLOOR = 8;

/**
 * The password policy, its one check (NIST SP 800-63B-4 §3.1.1.2): at most 72 bytes of UTF-8 without control
 * characters (what bcrypt hashes whole), at least `minLength` characters, not among the most commonly used passwords.
 * `password` is NFKC-normalized already (@NewPasswordField does it).
 */
export function passwordProblems(password: string, minLength: number, field = 'password'): string[] {
  // A password bcrypt would cut, or one too short for any configuration, is refused for that alone.
  if (!isBcryptSafe(password)) return [bcryptUnsafeMessage(field)];
  // Characters, not UTF-16 units: an emoji is one character to the person typing it.
  const length = [...password].length;
  const tooShort = `${field} must be at least ${minLength} characters`;
  if (length < LENGTH_FLOOR) return [tooShort];
  const problems: string[] = [];
  if (length < minLength) problems.push(tooShort);
  if (isCommonPassword(password)) problems.push(`${field} is one of the most commonly used passwords`);
  return problems;
}

/**
 * A field that sets a password (registration, change, reset, the admin account): NFKC-normalized, a string, and
 * subject to the password policy, which the validation pipe checks with the rest of the body (its length comes from
 * PASSWORD_MIN_LENGTH, which a static decorator cannot know).
 */
export const NewPasswordField = () =>
  applyDecorators(ApiProperty({ type: String, minLength: LENGTH_FLOOR }), NormalizePassword(), IsString(), NewPassword());

function NewPassword(): PropertyDecorator {
  return (target, property) => {
    const fields = (Reflect.getMetadata(NEW_PASSWORD_FIELDS, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(NEW_PASSWORD_FIELDS, [...fields, property as string], target);
  };
}

/** The policy for every @NewPasswordField() of a DTO, as a rule of the validation pipe. */
function passwordPolicyRule(minLength: number): ConfiguredRule {
  return (dto) => {
    const fields = (Reflect.getMetadata(NEW_PASSWORD_FIELDS, dto) as string[] | undefined) ?? [];
    return fields.flatMap((field): ValidationError[] => {
      const value = (dto as Record<string, unknown>)[field];
      if (typeof value !== 'string') return [];
      const problems = passwordProblems(value, minLength, field);
      return problems.length
        ? [{ property: field, constraints: Object.fromEntries(problems.map((p, i) => [`passwordPolicy${i}`, p])), children: [] }]
        : [];
    });
  };
}

/** The app's one validation pipe: requests go through it, and so does an admin account made outside HTTP. */
export function createAppValidationPipe(passwordMinLength: number): ValidationPipe {
  return createValidationPipe([passwordPolicyRule(passwordMinLength)]);
}

import { applyDecorators, ValidationError } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MinLength } from 'class-validator';
import { IsBcryptSafe, NormalizePassword } from '../../common/validation/decorators';
import { ConfiguredRule } from '../../common/validation/validation.pipe';
import { COMMON_PASSWORDS } from './common-passwords';

/** Loaded once: lower-cased, so `Password1` is as common as `password1`. */
const COMMON = new Set(COMMON_PASSWORDS.split('\n').map((p) => p.toLowerCase()));

const NEW_PASSWORD_FIELDS = Symbol('newPasswordFields');

/**
 * Marks a DTO field that sets a password, so the configured rules (PASSWORD_MIN_LENGTH, the common-password list)
 * are checked with the rest of the body and listed among its problems. The fixed rules are the field's decorators.
 */
export function NewPassword(): PropertyDecorator {
  return (target, property) => {
    const fields = (Reflect.getMetadata(NEW_PASSWORD_FIELDS, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(NEW_PASSWORD_FIELDS, [...fields, property as string], target);
  };
}

/** NIST SP 800-63B-4 §3.1.1.2: long enough, and not among the most commonly used passwords. */
export function passwordProblems(password: string, minLength: number, field = 'password'): string[] {
  const problems: string[] = [];
  // Characters, not UTF-16 units: an emoji is one character to the person typing it.
  if ([...password].length < minLength) problems.push(`${field} must be at least ${minLength} characters`);
  if (COMMON.has(password.toLowerCase())) problems.push(`${field} is one of the most commonly used passwords`);
  return problems;
}

/** The ValidationPipe rule for every @NewPassword() field. */
export function passwordPolicyRule(minLength: number): ConfiguredRule {
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

/**
 * A field that sets a password (registration, change, reset): NFKC-normalized, a string of 8 characters or more (the
 * floor; PASSWORD_MIN_LENGTH is checked by @NewPassword's rule), bcrypt-safe, and subject to the configured rules.
 */
export const NewPasswordField = () =>
  applyDecorators(
    ApiProperty({ type: String, minLength: 8 }),
    NormalizePassword(),
    IsString(),
    MinLength(8),
    IsBcryptSafe(),
    NewPassword(),
  );

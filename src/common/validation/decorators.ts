import { Transform } from 'class-transformer';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { bcryptUnsafeMessage, isBcryptSafe } from './identifiers';

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
        validate: (value: unknown) => typeof value === 'string' && isBcryptSafe(value),
        defaultMessage: (args) => bcryptUnsafeMessage(args?.property ?? 'password'),
      },
    });
}

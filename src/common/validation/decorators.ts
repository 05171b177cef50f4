import { Transform } from 'class-transformer';
import { registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
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

/**
 * A field of a group of which exactly one is sent (`{ code }` or `{ recoveryCode }`): validated when present, or when
 * none of the group is, and refused beside another of the group.
 */
export function OneOf(group: readonly string[]): PropertyDecorator {
  const message = `send exactly one of ${group.join(', ')}`;
  return (target, propertyName) => {
    const field = propertyName as string;
    const given = (object: object, name: string) => (object as Record<string, unknown>)[name] !== undefined;
    ValidateIf((object: object) => given(object, field) || group.every((name) => !given(object, name)))(target, propertyName);
    registerDecorator({
      name: 'oneOf',
      target: target.constructor,
      propertyName: field,
      validator: {
        validate: (value: unknown, args) => value !== undefined && group.every((name) => name === field || !given(args!.object, name)),
        defaultMessage: () => message,
      },
    });
  };
}

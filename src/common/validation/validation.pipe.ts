import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import { AppException } from '../errors';

/**
 * A check that depends on configuration (class-validator decorators are static): it inspects a validated DTO
 * and returns errors for its properties, which are listed with the decorators' own.
 */
export type ConfiguredRule = (dto: object) => ValidationError[];

/** Deny by default: unknown fields are refused (so a client can never set its own roles), every problem is listed. */
export function createValidationPipe(rules: ConfiguredRule[] = []): ValidationPipe {
  return new AppValidationPipe(rules);
}

class AppValidationPipe extends ValidationPipe {
  constructor(private readonly rules: ConfiguredRule[]) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => AppException.validation(flattenValidationErrors(errors)),
    });
  }

  protected override async validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    const errors = await super.validate(object, options);
    const failed = new Set(errors.map((e) => e.property));
    for (const rule of this.rules) for (const error of rule(object)) if (!failed.has(error.property)) errors.push(error);
    return errors;
  }
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) =>
      m.startsWith(error.property) ? `${path}${m.slice(error.property.length)}` : m,
    );
    return own.concat(flattenValidationErrors(error.children ?? [], path));
  });
}

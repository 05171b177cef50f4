import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException } from '../errors';

/** Deny by default: unknown fields are refused (so a client can never set its own roles), every problem is listed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => AppException.validation(flattenValidationErrors(errors)),
  });
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

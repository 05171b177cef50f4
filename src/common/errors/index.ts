export { AppException, PasskeyRegistrationRefused, TokenException } from './app.exception';
export { ERROR_CATALOG } from './error-catalog';
export { ErrorCode } from './error-code';
export { AllExceptionsFilter } from './all-exceptions.filter';

export { AppException, TokenException } from './app.exception';
export { ErrorCode } from './error-code';
export { AllExceptionsFilter } from './all-exceptions.filter';

export { ApiErrors } from './api-errors.decorator';
export { ErrorResponseDto } from './error-response.dto';
export { ApiNoDatabaseErrors, finishDocument, PUBLIC_OPERATION_EXTENSION } from './openapi-document';

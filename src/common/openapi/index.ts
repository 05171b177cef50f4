export { ApiErrors } from './api-errors.decorator';
export { ErrorResponseDto } from './error-response.dto';
export { finishDocument, PUBLIC_OPERATION_EXTENSION } from './openapi-document';

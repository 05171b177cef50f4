import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { PUBLIC_OPERATION_EXTENSION } from '../openapi';

export const IS_PUBLIC_KEY = 'gatehouse:isPublic';

/**
 * Opts a route out of the global token check; every other route requires a valid access token.
 * In the OpenAPI document the route gets `security: []` (see finishDocument): no lock in Swagger UI.
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), ApiExtension(PUBLIC_OPERATION_EXTENSION, true));

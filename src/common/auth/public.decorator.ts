import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { PUBLIC_OPERATION_EXTENSION } from '../openapi';

export const IS_PUBLIC_KEY = 'gatehouse:isPublic';

/** `true`: no token is read. `'token-optional'`: a valid token, when one is sent, names the caller; others are ignored. */
export type PublicAccess = true | 'token-optional';

/**
 * Opts a route out of the global token check; every other route requires a valid access token.
 * In the OpenAPI document the route gets `security: []` (see finishDocument): no lock in Swagger UI.
 * `{ tokenOptional: true }` is for a public route that answers a signed-in caller differently (passkey options for a
 * step-up): a missing, expired or invalid token makes the request anonymous rather than refused, since a browser
 * sends its access cookie to every route, however stale.
 */
export const Public = (options: { tokenOptional?: boolean } = {}) =>
  applyDecorators(
    SetMetadata(IS_PUBLIC_KEY, (options.tokenOptional ? 'token-optional' : true) satisfies PublicAccess),
    ApiExtension(PUBLIC_OPERATION_EXTENSION, true),
  );

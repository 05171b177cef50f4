import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ErrorCode } from '../errors';
import { ApiErrors } from '../openapi';

export const RECENT_AUTH_KEY = 'gatehouse:recentAuth';

/**
 * A sensitive route: the session must have authenticated within STEP_UP_MAX_AGE and, for a user with a second factor,
 * with it; otherwise 401 STEP_UP_REQUIRED with the RFC 9470 challenge, and the client steps up at POST /auth/step-up.
 * Decided from the token's claims alone, so it costs no query.
 */
export const RequireRecentAuth = () => applyDecorators(SetMetadata(RECENT_AUTH_KEY, true), ApiErrors(ErrorCode.STEP_UP_REQUIRED));

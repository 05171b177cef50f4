import { applyDecorators, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'gatehouse:isPublic';
/** @nestjs/swagger's key for an operation's security: empty overrides the document-wide bearer requirement. */
const SWAGGER_SECURITY_KEY = 'swagger/apiSecurity';

/** Opts a route out of the global token check; every other route requires a valid access token. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), SetMetadata(SWAGGER_SECURITY_KEY, []));

import { AccessTokenSubject } from './tokens/access-token-claims';

/** A user whose password was just checked: what login needs to open a session. */
export type AuthenticatedUser = AccessTokenSubject;

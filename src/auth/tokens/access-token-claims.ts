import { UserRole } from '../../users/user-role';

/** Whom an access token is issued to. */
export interface AccessTokenSubject {
  id: string;
  username: string;
  roles: UserRole[];
}

/** The payload of an access token (API.md). */
export interface AccessTokenClaims {
  sub: string;
  username: string;
  roles: UserRole[];
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

import { UserRole } from '../../users/user-role';

/** Whom an access token is issued to. */
export interface AccessTokenSubject {
  id: string;
  username: string;
  roles: UserRole[];
}

/** How the session was authenticated, as its tokens say it (API.md "Multi-factor authentication"). */
export interface TokenAuthentication {
  /** RFC 8176 methods: `pwd`, `otp`, `hwk`, `user`, `mfa`. */
  amr: string[];
  /** Seconds since the epoch of the session's last login or step-up. */
  authTime: number;
  /** The user had a second factor when the token was issued: then only `mfa` in `amr` counts as a recent login. */
  secondFactor: boolean;
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
  amr: string[];
  auth_time: number;
  /** Ours, present (true) only for a user with a second factor, so the guards decide "recent" without a query. */
  second_factor?: true;
}

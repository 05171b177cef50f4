import { UserRole } from '../../users/user-role';

export interface AccessTokenSubject {
  id: string;
  username: string;
  roles: UserRole[];
}

export interface AccessTokenClaims {
  sub: string;
  username: string;
  roles: UserRole[];
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

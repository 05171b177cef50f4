import { UserRole } from '../../users/user-role';

/** The caller, as proven by a verified access token: what guards and handlers may rely on without a query. */
export interface AuthUser {
  userId: string;
  username: string;
  roles: UserRole[];
  sessionId: string;
  tokenId: string;
  /** Where the token came from: a header, or the access cookie (and then an unsafe request passed the CSRF checks). */
  via: 'header' | 'cookie';
}

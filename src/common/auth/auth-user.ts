import { UserRole } from '../../users/user-role';

/** The caller, as proven by a verified access token: what guards and handlers may rely on without a query. */
export interface AuthUser {
  userId: string;
  username: string;
  roles: UserRole[];
  sessionId: string;
  tokenId: string;
  /** How and when the session last authenticated (the token's `amr` and `auth_time`, in seconds). */
  amr: string[];
  authTime: number;
  /** The user had a second factor when the token was issued. */
  secondFactor: boolean;
  /** Where the token came from: a header, or the access cookie (and then an unsafe request passed the CSRF checks). */
  via: 'header' | 'cookie';
}

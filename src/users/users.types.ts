import { UserRole } from './user-role';

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  roles: UserRole[];
}

/** What a credential check needs, and nothing a response may carry. */
export interface UserCredentials {
  id: string;
  username: string;
  roles: UserRole[];
  disabled: boolean;
  emailVerified: boolean;
  passwordHash: string;
}

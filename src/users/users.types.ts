import { UserRole } from './user-role';

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  roles: UserRole[];
  /** Only for accounts whose address is vouched for by whoever creates them (the bootstrap and CLI admins). */
  emailVerified?: boolean;
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

/** What mailing a user a link needs. */
export interface MailRecipient {
  id: string;
  email: string;
  /** The canonical form: what a mailed token is bound to. */
  emailNormalized: string;
  emailVerified: boolean;
  disabled: boolean;
}

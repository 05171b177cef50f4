import { UserRole } from './user-role';

export interface NewUser {
  username: string;
  email: string;
  /** Null for a user created by an identity provider: no password login until they set one (password reset). */
  passwordHash: string | null;
  roles: UserRole[];
  /** Only for accounts whose address is vouched for by whoever creates them (the bootstrap and CLI admins, a provider). */
  emailVerified?: boolean;
}

/** What a credential check needs, and nothing a response may carry. */
export interface UserCredentials {
  id: string;
  username: string;
  roles: UserRole[];
  disabled: boolean;
  emailVerified: boolean;
  passwordHash: string | null;
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

import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { isEmail } from 'class-validator';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { AppException, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
import { Transactions } from '../database/transactions';
import { ClientInfo } from '../sessions/session.types';
import { UserRole } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { LinkedIdentitiesService } from './linked-identities.service';
import { baseUsername, NameClaims, withSuffix } from './username';

/** What the callback learnt from the provider's verified ID token (and userinfo). */
export interface ProviderProfile extends NameClaims {
  provider: string;
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
}

const USERNAME_ATTEMPTS = 5;

/**
 * Which local user a provider's identity is (API.md's account resolution): a linked identity is its user; an email
 * of a local account is never linked by itself (whoever controls that address at the provider, or a provider that
 * does not verify addresses, would take the account over); otherwise a new user, with no password.
 */
@Injectable()
export class ProviderAccounts {
  private readonly logger = new Logger('IdentityProviders');

  constructor(
    private readonly users: UsersService,
    private readonly identities: LinkedIdentitiesService,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async signIn(profile: ProviderProfile, client: ClientInfo): Promise<AuthenticatedUser> {
    const linked = await this.linkedUser(profile);
    if (linked) return linked;
    const email = profile.email;
    if (!email || !isEmail(email) || email.length > 254) {
      // A new account needs an address; the provider gave none (or none we can store).
      throw new AppException(ErrorCode.OIDC_FAILED, 'The provider gave no usable email address');
    }
    // Verified or not, the address is only compared, never used to sign anyone in: a local account that has it
    // must log in and link the provider itself. (An unverified one could not be stored twice either.)
    if (await this.users.findRecipientByEmail(email)) throw new AppException(ErrorCode.ACCOUNT_EXISTS);
    return this.createUser(profile, email, client);
  }

  /** Links the identity to a signed-in user (a `link` flow); IDENTITY_IN_USE when it is someone else's. */
  async link(userId: string, profile: ProviderProfile, client: ClientInfo): Promise<void> {
    const user = await this.users.findCredentialsById(userId);
    if (!user) throw new AppException(ErrorCode.OIDC_STATE_INVALID);
    if (user.disabled) throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    await this.identities.link(userId, identityOf(profile), client);
  }

  private async linkedUser(profile: ProviderProfile): Promise<AuthenticatedUser | undefined> {
    const userId = await this.identities.userOf(profile.issuer, profile.subject);
    if (!userId) return undefined;
    const user = await this.users.findCredentialsById(userId);
    if (!user) {
      await this.identities.forgetStale(profile.issuer, profile.subject, userId);
      return undefined;
    }
    if (user.disabled) throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    return { id: user.id, username: user.username, roles: user.roles };
  }

  /**
   * A new user with the identity linked, and their `user.registered` and `identity.linked` events, in one transaction:
   * a flow that fails creates nothing. Each try is its own transaction, as a unique violation ends one on PostgreSQL.
   */
  private async createUser(profile: ProviderProfile, email: string, client: ClientInfo): Promise<AuthenticatedUser> {
    const base = baseUsername(profile);
    for (let attempt = 0; attempt < USERNAME_ATTEMPTS; attempt++) {
      const username = attempt === 0 ? base : withSuffix(base, () => randomBytes(2).toString('hex'));
      if (await this.users.isUsernameTaken(username)) continue;
      try {
        const user = await this.transactions.run(async () => {
          const created = await this.users.create({
            username,
            email,
            passwordHash: null,
            roles: [UserRole.User],
            emailVerified: profile.emailVerified,
          });
          await this.audit.record(
            { type: 'user.registered', userId: created.id, actorId: created.id, details: { method: 'oidc', provider: profile.provider } },
            client,
          );
          await this.identities.add(created.id, identityOf(profile), client);
          return created;
        });
        this.logger.log({ event: 'user_created_by_provider', provider: profile.provider, userId: user.id });
        return { id: user.id, username: user.username, roles: user.roles };
      } catch (error) {
        // Another callback of the same identity won the race: this flow created nothing.
        if (isUniqueViolation(error)) throw new AppException(ErrorCode.IDENTITY_IN_USE);
        // USER_EXISTS here is a name taken since the check, or the address taken since ours: try again or refuse.
        if (!(error instanceof AppException) || error.code !== ErrorCode.USER_EXISTS) throw error;
        if (await this.users.findRecipientByEmail(email)) throw new AppException(ErrorCode.ACCOUNT_EXISTS);
      }
    }
    throw new AppException(ErrorCode.OIDC_FAILED, 'Could not find a free username');
  }
}

function identityOf(profile: ProviderProfile) {
  return { provider: profile.provider, issuer: profile.issuer, subject: profile.subject, email: profile.email ?? null };
}

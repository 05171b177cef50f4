import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { SessionResponseDto } from '../sessions/session-response.dto';
import { SessionsService } from '../sessions/sessions.service';
import { AppException, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
import { canonicalIdentifier } from '../common/validation/identifiers';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPageDto } from './dto/user-page.dto';
import { USER_DELETED, UserDeletedEvent } from './events/user-deleted.event';
import { USER_EMAIL_CHANGED, UserEmailChangedEvent } from './events/user-email-changed.event';
import { toUserResponse, UserResponseDto } from './dto/user-response.dto';
import { User } from './user.entity';
import { MailRecipient, NewUser, UserCredentials } from './users.types';
import { UserProfileCache } from './user-profile.cache';
import { afterCommit, transactional, Transactions } from '../database/transactions';
import { AuditService } from '../audit/audit.service';
import { TableSql } from '../database/table-sql';
import { ClientInfo } from '../sessions/session.types';

/** The only code that touches the users table. */
@Injectable()
export class UsersService {
  /** The lookup of every refresh and second step, written once (TableSql says why). */
  private readonly credentialsById: { text: string; read: (row: Record<string, unknown>) => UserCredentials; sql: TableSql<User> };

  constructor(
    @InjectRepository(User) private readonly usersTable: Repository<User>,
    private readonly sessions: SessionsService,
    private readonly profiles: UserProfileCache,
    private readonly events: EventEmitter2,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {
    const sql = new TableSql(usersTable);
    const credentials = sql.reader(CREDENTIAL_FIELDS);
    this.credentialsById = {
      text: `SELECT ${credentials.columns} FROM ${sql.table} WHERE ${sql.column('id')} = ${sql.parameter(0)}`,
      read: credentials.read,
      sql,
    };
  }

  /** The table, through the transaction when one is open (Transactions.run), so a change and its audit event commit together. */
  private get users(): Repository<User> {
    return transactional(this.usersTable);
  }

  /** Creates a user; a taken name or address (in any case or Unicode form) is a 409, also under concurrency. */
  async create(input: NewUser): Promise<UserResponseDto> {
    const user = this.users.create({
      id: randomUUID(),
      username: input.username,
      usernameNormalized: canonicalIdentifier(input.username),
      email: input.email,
      emailNormalized: canonicalIdentifier(input.email),
      passwordHash: input.passwordHash,
      roles: input.roles,
      emailVerified: input.emailVerified ?? false,
      disabled: false,
    });
    await this.conflictsAsUserExists(() => this.users.insert(user));
    return toUserResponse(await this.users.findOneByOrFail({ id: user.id }));
  }

  /** Looks a login name up as username or email, with the password hash for the credential check. */
  async findCredentials(login: string): Promise<UserCredentials | null> {
    const canonical = canonicalIdentifier(login);
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.usernameNormalized = :canonical OR user.emailNormalized = :canonical', { canonical })
      .getOne();
    if (!user) return null;
    const { id, username, roles, disabled, emailVerified, passwordHash } = user;
    return { id, username, roles, disabled, emailVerified, passwordHash };
  }

  /** The user an address belongs to (in any case or Unicode form), with what mailing them needs. */
  async findRecipientByEmail(email: string): Promise<MailRecipient | null> {
    const user = await this.users.findOneBy({ emailNormalized: canonicalIdentifier(email) });
    return user && toRecipient(user);
  }

  async findRecipient(id: string): Promise<MailRecipient | null> {
    const user = await this.users.findOneBy({ id });
    return user && toRecipient(user);
  }

  /**
   * Marks the address verified, but only while it is still `emailNormalized`: a link mailed to an old address must
   * not vouch for the one an admin has since set. False when the user or the address is gone.
   */
  async markEmailVerified(id: string, emailNormalized: string): Promise<boolean> {
    const result = await this.users.update({ id, emailNormalized }, { emailVerified: true });
    this.profiles.delete(id);
    return result.affected === 1;
  }

  async findCredentialsById(id: string): Promise<UserCredentials | null> {
    const { text, read, sql } = this.credentialsById;
    const [row] = sql.rowsOf(await this.users.query(text, [id]), 'select');
    return row ? read(row) : null;
  }

  /** A user as clients see them, served from memory when recently read so `/auth/me` needs no query. */
  async findProfile(id: string): Promise<UserResponseDto | null> {
    const cached = this.profiles.get(id);
    if (cached) return cached;
    const user = await this.users.findOneBy({ id });
    if (!user) return null;
    const profile = toUserResponse(user);
    this.profiles.set(profile);
    return profile;
  }

  /** Synchronous when the profile is cached (every `/auth/me` after the first): no promise on the hot path. */
  getProfile(id: string): UserResponseDto | Promise<UserResponseDto> {
    return this.profiles.get(id) ?? this.loadProfile(id);
  }

  private async loadProfile(id: string): Promise<UserResponseDto> {
    const profile = await this.findProfile(id);
    if (!profile) throw new AppException(ErrorCode.USER_NOT_FOUND);
    return profile;
  }

  async list(query: ListUsersQueryDto): Promise<UserPageDto> {
    const builder = this.users.createQueryBuilder('user').orderBy('user.createdAt', 'ASC').addOrderBy('user.id', 'ASC');
    if (query.search) {
      const prefix = `${escapeLike(canonicalIdentifier(query.search))}%`;
      builder.where("(user.usernameNormalized LIKE :prefix ESCAPE '\\' OR user.emailNormalized LIKE :prefix ESCAPE '\\')", { prefix });
    }
    const [users, total] = await builder
      .skip((query.page - 1) * query.limit)
      .take(query.limit)
      .getManyAndCount();
    return { items: users.map(toUserResponse), total, page: query.page, limit: query.limit };
  }

  /**
   * An admin's change, recorded as `user.updated` with what changed. A role change or disabling ends the user's
   * sessions, since their tokens carry the old state.
   */
  async update(id: string, changes: UpdateUserDto, actorId: string, client: ClientInfo): Promise<UserResponseDto> {
    return this.transactions.run(async () => {
      const user = await this.users.findOneBy({ id });
      if (!user) throw new AppException(ErrorCode.USER_NOT_FOUND);
      const changed: Record<string, { from: unknown; to: unknown }> = {};
      if (changes.roles !== undefined && !sameSet(changes.roles, user.roles)) changed.roles = { from: user.roles, to: changes.roles };
      if (changes.disabled !== undefined && changes.disabled !== user.disabled) {
        changed.disabled = { from: user.disabled, to: changes.disabled };
      }
      const newEmail =
        changes.email !== undefined && canonicalIdentifier(changes.email) !== user.emailNormalized ? changes.email : undefined;
      if (newEmail !== undefined) changed.email = { from: user.email, to: newEmail };
      if (changes.roles !== undefined) user.roles = changes.roles;
      if (changes.disabled !== undefined) user.disabled = changes.disabled;
      if (newEmail !== undefined) {
        user.email = newEmail;
        user.emailNormalized = canonicalIdentifier(newEmail);
        user.emailVerified = false;
      }
      await this.conflictsAsUserExists(() => this.users.save(user));
      if (changed.roles || changed.disabled?.to === true) await this.sessions.revokeAllForUser(id);
      if (Object.keys(changed).length > 0) {
        await this.audit.record({ type: 'user.updated', userId: id, actorId, details: { changes: changed } }, client);
      }
      afterCommit(() => {
        this.profiles.delete(id);
        // An event rather than a call: authentication mails the verification link, and UsersModule must not depend on it.
        if (newEmail !== undefined) this.events.emit(USER_EMAIL_CHANGED, new UserEmailChangedEvent(id));
      });
      return toUserResponse(await this.users.findOneByOrFail({ id }));
    });
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
    this.profiles.delete(id);
  }

  /**
   * Deletes a user; their sessions are revoked first so that their tokens stop working everywhere. The features that
   * keep something for the user (second factors, linked identities) drop it before the answer, through the awaited
   * event (after the commit: their writes must not wait on the transaction's locks of the user row).
   */
  async remove(id: string, actorId: string, client: ClientInfo): Promise<void> {
    await this.transactions.run(async () => {
      if (!(await this.users.existsBy({ id }))) throw new AppException(ErrorCode.USER_NOT_FOUND);
      await this.sessions.revokeAllForUser(id);
      await this.users.delete({ id });
      await this.audit.record({ type: 'user.deleted', userId: id, actorId }, client);
    });
    this.profiles.delete(id);
    await this.events.emitAsync(USER_DELETED, new UserDeletedEvent(id));
  }

  /** True when the name (in any case or Unicode form) is taken. */
  isUsernameTaken(username: string): Promise<boolean> {
    return this.users.existsBy({ usernameNormalized: canonicalIdentifier(username) });
  }

  /** A user's live sessions, for an admin ("current" is always false: none of them is the admin's). */
  async sessionsOf(id: string): Promise<SessionResponseDto[]> {
    await this.assertExists(id);
    return this.sessions.listForUser(id, '');
  }

  /** Ends every session of a user (an admin's "sign them out everywhere"); the account itself stays as it is. */
  async endSessions(id: string, actorId: string, client: ClientInfo): Promise<void> {
    await this.assertExists(id);
    await this.transactions.run(async () => {
      await this.sessions.revokeAllForUser(id);
      await this.audit.record({ type: 'session.revoked', userId: id, actorId, details: { all: true } }, client);
    });
  }

  private async assertExists(id: string): Promise<void> {
    if (!(await this.users.existsBy({ id }))) throw new AppException(ErrorCode.USER_NOT_FOUND);
  }

  /** The unique indexes decide races between concurrent writers; their violation is the client's 409. */
  private async conflictsAsUserExists(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw userExists();
      throw error;
    }
  }
}

function toRecipient({ id, email, emailNormalized, emailVerified, disabled }: User): MailRecipient {
  return { id, email, emailNormalized, emailVerified, disabled };
}

function userExists(): AppException {
  return new AppException(ErrorCode.USER_EXISTS);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** What checking a user's access needs: no profile, no lock counters. */
const CREDENTIAL_FIELDS = [
  'id',
  'username',
  'roles',
  'disabled',
  'emailVerified',
  'passwordHash',
] as const satisfies readonly (keyof UserCredentials)[];

import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppException, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
import { transactional, Transactions } from '../database/transactions';
import { ClientInfo } from '../sessions/session.types';
import { LinkedIdentityDto } from '../users/dto/linked-identity.dto';
import { USER_DELETED, UserDeletedEvent } from '../users/events/user-deleted.event';
import { LinkedIdentities, LinkedIdentitiesSource } from '../users/linked-identities.port';
import { UsersService } from '../users/users.service';
import { LinkedIdentity } from './linked-identity.entity';

export interface ExternalIdentity {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
}

/** The only code that touches linked_identities: who an external identity is, and a user's list of them. */
@Injectable()
export class LinkedIdentitiesService implements LinkedIdentitiesSource, OnModuleInit {
  constructor(
    @InjectRepository(LinkedIdentity) private readonly identitiesTable: Repository<LinkedIdentity>,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly registry: LinkedIdentities,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /** The table as the open transaction sees it (the audit event of a change commits with it). */
  private get identities(): Repository<LinkedIdentity> {
    return transactional(this.identitiesTable);
  }

  onModuleInit(): void {
    this.registry.register(this);
  }

  /** The user an identity is linked to. */
  async userOf(issuer: string, subject: string): Promise<string | undefined> {
    return (await this.identities.findOneBy({ issuer, subject }))?.userId;
  }

  async listFor(userId: string): Promise<LinkedIdentityDto[]> {
    const rows = await this.identities.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toDto);
  }

  /** Links an identity to a user; IDENTITY_IN_USE when it is another user's (the unique index decides races). */
  async link(userId: string, identity: ExternalIdentity, client: ClientInfo): Promise<void> {
    try {
      await this.transactions.run(() => this.add(userId, identity, client));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if ((await this.userOf(identity.issuer, identity.subject)) !== userId) throw new AppException(ErrorCode.IDENTITY_IN_USE);
    }
  }

  /** The row and its `identity.linked` event, in the open transaction; a taken identity is the unique violation. */
  async add(userId: string, identity: ExternalIdentity, client: ClientInfo): Promise<void> {
    await this.identities.insert({ id: randomUUID(), userId, ...identity, createdAt: new Date() });
    await this.audit.record(
      { type: 'identity.linked', userId, actorId: userId, details: { provider: identity.provider, issuer: identity.issuer } },
      client,
    );
  }

  /** A link left by a deleted user (the event may have been missed): it signs no one in, so it goes. */
  async forgetStale(issuer: string, subject: string, userId: string): Promise<void> {
    await this.identities.delete({ issuer, subject, userId });
  }

  /**
   * Unlinks one of the caller's identities, unless it is their last way to sign in (no password, no other identity;
   * passkeys do not exist yet). The user's identities are locked for the check on PostgreSQL, so two unlinks at once
   * cannot each leave the other as the last one and remove both; SQLite serializes writers anyway.
   */
  async unlink(userId: string, id: string, client: ClientInfo): Promise<void> {
    await this.transactions.run(async () => {
      const query = this.identities.createQueryBuilder('identity').where('identity.userId = :userId', { userId });
      if (this.dataSource.options.type === 'postgres') query.setLock('pessimistic_write');
      const mine = await query.getMany();
      const unlinked = mine.find((identity) => identity.id === id);
      if (!unlinked) throw new AppException(ErrorCode.IDENTITY_NOT_FOUND);
      if (mine.length === 1 && !(await this.hasPassword(userId))) throw new AppException(ErrorCode.LAST_LOGIN_METHOD);
      await this.identities.delete({ id, userId });
      await this.audit.record(
        { type: 'identity.unlinked', userId, actorId: userId, details: { provider: unlinked.provider, issuer: unlinked.issuer } },
        client,
      );
    });
  }

  @OnEvent(USER_DELETED)
  async forgetUser(event: UserDeletedEvent): Promise<void> {
    await this.identities.delete({ userId: event.userId });
  }

  private async hasPassword(userId: string): Promise<boolean> {
    return Boolean((await this.users.findCredentialsById(userId))?.passwordHash);
  }
}

function toDto(identity: LinkedIdentity): LinkedIdentityDto {
  return { id: identity.id, provider: identity.provider, email: identity.email, createdAt: identity.createdAt.toISOString() };
}

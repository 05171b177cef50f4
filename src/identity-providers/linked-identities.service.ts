import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AppException, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
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
    @InjectRepository(LinkedIdentity) private readonly identities: Repository<LinkedIdentity>,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly registry: LinkedIdentities,
  ) {}

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
  async link(userId: string, identity: ExternalIdentity): Promise<void> {
    try {
      await this.identities.insert({ id: randomUUID(), userId, ...identity, createdAt: new Date() });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if ((await this.userOf(identity.issuer, identity.subject)) !== userId) throw new AppException(ErrorCode.IDENTITY_IN_USE);
    }
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
  async unlink(userId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const query = manager.getRepository(LinkedIdentity).createQueryBuilder('identity').where('identity.userId = :userId', { userId });
      if (this.dataSource.options.type === 'postgres') query.setLock('pessimistic_write');
      const mine = await query.getMany();
      if (!mine.some((identity) => identity.id === id)) throw new AppException(ErrorCode.IDENTITY_NOT_FOUND);
      if (mine.length === 1 && !(await this.hasPassword(userId))) throw new AppException(ErrorCode.LAST_LOGIN_METHOD);
      await manager.getRepository(LinkedIdentity).delete({ id, userId });
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

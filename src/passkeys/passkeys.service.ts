import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppException, ErrorCode } from '../common/errors';
import { transactional } from '../database/transactions';
import { Passkey } from './entities/passkey.entity';

/** At most this many passkeys per user: enough for every device, few enough to list in one set of options. */
export const MAX_PASSKEYS_PER_USER = 20;

/** What a verified registration gives to store. */
export interface NewPasskey {
  userId: string;
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  backedUp: boolean;
  deviceType: string;
}

/** The passkeys table: the one code that reads and writes credentials. */
@Injectable()
export class PasskeysService {
  constructor(@InjectRepository(Passkey) private readonly passkeysTable: Repository<Passkey>) {}

  /** The table as the open transaction sees it (an addition commits with its audit event). */
  private get passkeys(): Repository<Passkey> {
    return transactional(this.passkeysTable);
  }

  listOf(userId: string): Promise<Passkey[]> {
    return this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  countOf(userId: string): Promise<number> {
    return this.passkeys.countBy({ userId });
  }

  /** The passkey of this credential id, if the user has one (any user's, when `userId` is not given). */
  async byCredentialId(credentialId: string, userId?: string): Promise<Passkey | undefined> {
    return (await this.passkeys.findOneBy(userId === undefined ? { credentialId } : { credentialId, userId })) ?? undefined;
  }

  /**
   * Adds a passkey within the caller's transaction. On PostgreSQL a lock per user makes concurrent additions take
   * turns, so the count is the one the insert follows (READ COMMITTED would let two of them both see 19); SQLite's
   * transactions take turns already.
   */
  async add(passkey: NewPasskey): Promise<Passkey> {
    const repository = this.passkeys;
    if (repository.manager.connection.options.type === 'postgres') {
      await repository.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`passkeys:${passkey.userId}`]);
    }
    if ((await repository.countBy({ userId: passkey.userId })) >= MAX_PASSKEYS_PER_USER) {
      throw new AppException(ErrorCode.PASSKEY_LIMIT_REACHED);
    }
    const row: Passkey = {
      id: randomUUID(),
      userId: passkey.userId,
      credentialId: passkey.credentialId,
      publicKey: Buffer.from(passkey.publicKey).toString('base64url'),
      counter: passkey.counter,
      transports: passkey.transports.length > 0 ? passkey.transports.join(',') : null,
      name: passkey.name,
      backedUp: passkey.backedUp,
      deviceType: passkey.deviceType,
      createdAt: new Date(),
      lastUsedAt: null,
    };
    await repository.insert(row);
    return row;
  }

  /**
   * Records a use: the new counter, the BS flag as the authenticator now reports it, and when. The counter condition
   * makes two racing assertions with one counter value count once: the loser changes nothing and is refused.
   */
  async recordUse(passkey: Passkey, counter: number, backedUp: boolean): Promise<boolean> {
    const updated = await this.passkeys
      .createQueryBuilder()
      .update(Passkey)
      .set({ counter, backedUp, lastUsedAt: new Date() })
      .where('id = :id AND counter = :previous', { id: passkey.id, previous: passkey.counter })
      .execute();
    return (updated.affected ?? 0) > 0;
  }

  async rename(userId: string, id: string, name: string): Promise<Passkey> {
    const passkey = await this.owned(userId, id);
    await this.passkeys.update({ id }, { name });
    return { ...passkey, name };
  }

  async remove(userId: string, id: string): Promise<Passkey> {
    const passkey = await this.owned(userId, id);
    await this.passkeys.delete({ id, userId });
    return passkey;
  }

  async removeAll(userId: string): Promise<void> {
    await this.passkeys.delete({ userId });
  }

  /** Another user's passkey is not found either: ids say nothing about who has them. */
  private async owned(userId: string, id: string): Promise<Passkey> {
    const passkey = await this.passkeys.findOneBy({ id, userId });
    if (!passkey) throw new AppException(ErrorCode.PASSKEY_NOT_FOUND);
    return passkey;
  }
}

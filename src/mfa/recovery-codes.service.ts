import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { RECOVERY_CODE_ALPHABET, RECOVERY_CODE_LENGTH } from '../auth/second-factors/second-factor-fields';
import { transactional, Transactions } from '../database/transactions';
import { RecoveryCode } from './entities/recovery-code.entity';

const CODES_PER_SET = 10;

/** Ten codes of 60 random bits each (ASVS asks at least 50), shown once, stored as hashes, each single use. */
@Injectable()
export class RecoveryCodesService {
  constructor(
    @InjectRepository(RecoveryCode) private readonly codesTable: Repository<RecoveryCode>,
    private readonly transactions: Transactions,
  ) {}

  /** The table as the open transaction sees it (a change and its audit event commit together). */
  private get codes(): Repository<RecoveryCode> {
    return transactional(this.codesTable);
  }

  /** A new set, replacing the old one (which stops working), in the form shown to the user: `xxxx-xxxx-xxxx`. */
  async replace(userId: string): Promise<string[]> {
    const fresh = Array.from({ length: CODES_PER_SET }, newCode);
    const now = new Date();
    await this.transactions.run(async () => {
      await this.codes.delete({ userId });
      await this.codes.insert(
        fresh.map((code) => ({ id: randomUUID(), userId, codeHash: hashCode(userId, code), usedAt: null, createdAt: now })),
      );
    });
    return fresh.map((code) => code.match(/.{4}/g)!.join('-'));
  }

  countLeft(userId: string): Promise<number> {
    return this.codes.countBy({ userId, usedAt: IsNull() });
  }

  /** Spends a code (canonical form) in one conditional UPDATE: of two requests with it, exactly one succeeds. */
  async spend(userId: string, code: string): Promise<boolean> {
    const result = await this.codes.update({ userId, codeHash: hashCode(userId, code), usedAt: IsNull() }, { usedAt: new Date() });
    return result.affected === 1;
  }

  async removeAll(userId: string): Promise<void> {
    await this.codes.delete({ userId });
  }
}

function newCode(): string {
  return Array.from({ length: RECOVERY_CODE_LENGTH }, () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)]).join('');
}

/** Salted with the user's id, so one hash never stands for the same code of two users. */
function hashCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code}`).digest('hex');
}

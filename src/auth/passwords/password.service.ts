import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { compare, getRounds, hash } from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { authConfig } from '../../config';
import { BcryptSlots } from './bcrypt-slots';

/** bcrypt hashing (async only: it runs in libuv's pool, one per core, never on the event loop). */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';
  private readonly slots = new BcryptSlots();

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  async onModuleInit(): Promise<void> {
    // A real hash of the configured cost, so a login for an unknown user costs what a wrong password costs.
    this.dummyHash = await hash(randomBytes(16).toString('hex'), this.config.bcryptCost);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => hash(password, this.config.bcryptCost));
  }

  /**
   * Compares against the stored hash, or against the dummy hash when there is none (no such user, or a user who
   * signs in only through an identity provider), in the same time.
   */
  verify(password: string, passwordHash: string | null | undefined): Promise<boolean> {
    return this.slots
      .run(() => compare(password, passwordHash ?? this.dummyHash))
      .then((match) => match && passwordHash !== undefined && passwordHash !== null);
  }

  /** True when a stored hash is cheaper than the configured cost (BCRYPT_COST was raised since it was made). */
  needsRehash(passwordHash: string): boolean {
    return getRounds(passwordHash) < this.config.bcryptCost;
  }
}

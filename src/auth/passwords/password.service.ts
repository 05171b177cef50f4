import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { compare, hash } from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { AppException } from '../../common/errors';
import { authConfig } from '../../config';

/** bcrypt hashing (async only: it runs in libuv's pool, never on the event loop) and the password rules. */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  async onModuleInit(): Promise<void> {
    // A real hash of the configured cost, so a login for an unknown user costs what a wrong password costs.
    this.dummyHash = await hash(randomBytes(16).toString('hex'), this.config.bcryptCost);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.config.bcryptCost);
  }

  /** Compares against the stored hash, or against the dummy hash when there is no user, in the same time. */
  verify(password: string, passwordHash: string | undefined): Promise<boolean> {
    return compare(password, passwordHash ?? this.dummyHash).then((match) => match && passwordHash !== undefined);
  }

  /** The rules that depend on configuration; the request DTOs hold the fixed ones (bytes, control characters). */
  assertAcceptable(password: string, field = 'password'): void {
    const problems: string[] = [];
    if ([...password].length < this.config.passwordMinLength) {
      problems.push(`${field} must be at least ${this.config.passwordMinLength} characters`);
    }
    if (problems.length > 0) throw AppException.validation(problems);
  }
}

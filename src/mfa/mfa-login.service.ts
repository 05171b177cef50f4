import { Injectable } from '@nestjs/common';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { TokenTransport } from '../auth/browser/token-transport';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { LoginLockoutService, userLockoutKey } from '../auth/lockout/login-lockout.service';
import { SecondFactorProof, SecondFactors } from '../auth/second-factors/second-factors';
import { SignIn } from '../auth/sign-in.service';
import { AuditService } from '../audit/audit.service';
import { AppException, ErrorCode } from '../common/errors';
import { Transactions } from '../database/transactions';
import { ClientInfo } from '../sessions/session.types';
import { UsersService } from '../users/users.service';
import { MfaVerifyDto } from './dto/mfa-verify.dto';
import { MfaChallengesService } from './mfa-challenges.service';

/** The second step of a login: the mfaToken of the password step and a code open the session. */
@Injectable()
export class MfaLoginService {
  constructor(
    private readonly challenges: MfaChallengesService,
    private readonly secondFactors: SecondFactors,
    private readonly lockout: LoginLockoutService,
    private readonly users: UsersService,
    private readonly signIn: SignIn,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /**
   * Wrong codes count toward the account's lockout like wrong passwords, and only a right one clears the count (the
   * password step did not). The token is spent only by a right code; each try, right or wrong, uses one of its five.
   */
  async verify(input: MfaVerifyDto, client: ClientInfo, transport: TokenTransport): Promise<TokenPairDto | CookieSessionDto> {
    const { tokenHash, userId, firstFactor } = await this.challenges.attempt(input.mfaToken);
    const lockoutKey = userLockoutKey(userId);
    await this.lockout.assertNotLocked(lockoutKey);
    const proof = input.code !== undefined ? { code: input.code } : { recoveryCode: input.recoveryCode! };
    const shown = await this.transactions
      .run(async () => {
        const proved = await this.secondFactors.prove(userId, proof);
        await this.challenges.spend(tokenHash);
        if ('recoveryCode' in proof) await this.audit.record({ type: 'mfa.recovery_code_used', userId, actorId: userId }, client);
        return proved;
      })
      .catch(async (error: unknown) => {
        if (error instanceof AppException && error.code === ErrorCode.MFA_CODE_INVALID) await this.wrongCode(userId, proof, client);
        throw error;
      });
    await this.lockout.succeeded(lockoutKey);
    const user = await this.users.findCredentialsById(userId);
    if (!user) throw new AppException(ErrorCode.MFA_TOKEN_INVALID);
    if (user.disabled) throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    return this.signIn.open(user, client, { amr: [...new Set([firstFactor, ...shown, 'mfa'])], secondFactor: true, via: 'mfa' }, transport);
  }

  /** A wrong code counts toward the lockout like a wrong password, and is in the audit trail (never the code). */
  private async wrongCode(userId: string, proof: SecondFactorProof, client: ClientInfo): Promise<void> {
    const lockedNow = await this.lockout.recordFailure(userLockoutKey(userId));
    const method = 'code' in proof ? 'totp' : 'recovery_code';
    await this.audit.record({ type: 'mfa.failed', userId, outcome: 'failure', details: { method } }, client);
    if (lockedNow) {
      await this.audit.record(
        { type: 'login.locked', userId, outcome: 'failure', details: { method: 'mfa', lockSeconds: this.lockout.lockSeconds } },
        client,
      );
    }
  }
}

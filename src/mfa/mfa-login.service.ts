import { Injectable } from '@nestjs/common';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { TokenTransport } from '../auth/browser/token-transport';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { LoginLockoutService, userLockoutKey } from '../auth/lockout/login-lockout.service';
import { SecondFactorMethod, SecondFactorProof, SecondFactors } from '../auth/second-factors/second-factors';
import { SignIn } from '../auth/sign-in.service';
import { AuditService } from '../audit/audit.service';
import { AppException, ErrorCode } from '../common/errors';
import { Transactions } from '../database/transactions';
import { ClientInfo } from '../sessions/session.types';
import { UsersService } from '../users/users.service';
import { MfaVerifyDto } from './dto/mfa-verify.dto';
import { MfaChallengesService } from './mfa-challenges.service';

/**
 * The second step of a login: the mfaToken of the first step and a second factor (a code here, a passkey assertion from
 * passkeys/) open the session.
 */
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

  verify(input: MfaVerifyDto, client: ClientInfo, transport: TokenTransport): Promise<TokenPairDto | CookieSessionDto> {
    const proof = input.code !== undefined ? { code: input.code } : { recoveryCode: input.recoveryCode! };
    return this.finish(input.mfaToken, proof, client, transport);
  }

  /**
   * Wrong proofs count toward the account's lockout like wrong passwords, and only a right one clears the count (the
   * first step did not). The token is spent only by a right proof; each try, right or wrong, uses one of its five.
   */
  async finish(
    mfaToken: string,
    proof: SecondFactorProof,
    client: ClientInfo,
    transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    const { tokenHash, userId, firstFactor } = await this.challenges.attempt(mfaToken);
    const lockoutKey = userLockoutKey(userId);
    await this.lockout.assertNotLocked(lockoutKey);
    const prove = () => this.secondFactors.prove(userId, proof, { kind: 'login', mfaTokenHash: tokenHash });
    const shown = await (async () => {
      // A passkey's challenge is spent when presented, pass or fail: it is checked before the transaction, whose
      // rollback would restore it. A code is checked inside, as spending it commits with its event.
      const provedFirst = 'passkey' in proof ? await prove() : undefined;
      return this.transactions.run(async () => {
        const proved = provedFirst ?? (await prove());
        await this.challenges.spend(tokenHash);
        if ('recoveryCode' in proof) await this.audit.record({ type: 'mfa.recovery_code_used', userId, actorId: userId }, client);
        return proved;
      });
    })().catch(async (error: unknown) => {
      if (error instanceof AppException && WRONG_PROOF.includes(error.code)) await this.wrongProof(userId, proof, client);
      throw error;
    });
    await this.lockout.succeeded(lockoutKey);
    const user = await this.users.findCredentialsById(userId);
    if (!user) throw new AppException(ErrorCode.MFA_TOKEN_INVALID);
    if (user.disabled) throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    const via = 'passkey' in proof ? 'passkey' : 'mfa';
    return this.signIn.open(user, client, { amr: [...new Set([firstFactor, ...shown, 'mfa'])], secondFactor: true, via }, transport);
  }

  /** A wrong proof counts toward the lockout like a wrong password, and is in the audit trail (never the proof). */
  private async wrongProof(userId: string, proof: SecondFactorProof, client: ClientInfo): Promise<void> {
    const lockedNow = await this.lockout.recordFailure(userLockoutKey(userId));
    await this.audit.record({ type: 'mfa.failed', userId, outcome: 'failure', details: { method: proofMethod(proof) } }, client);
    if (lockedNow) {
      await this.audit.record(
        { type: 'login.locked', userId, outcome: 'failure', details: { method: 'mfa', lockSeconds: this.lockout.lockSeconds } },
        client,
      );
    }
  }
}

/** The refusals that mean "a wrong second factor" (as opposed to a dead token or a disabled account). */
const WRONG_PROOF: readonly ErrorCode[] = [ErrorCode.MFA_CODE_INVALID, ErrorCode.PASSKEY_INVALID];

export function proofMethod(proof: SecondFactorProof): SecondFactorMethod {
  return 'code' in proof ? 'totp' : 'recoveryCode' in proof ? 'recovery_code' : 'passkey';
}

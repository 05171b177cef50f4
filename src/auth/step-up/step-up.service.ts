import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { AuthUser } from '../../common/auth';
import { AppException, ErrorCode, TokenException } from '../../common/errors';
import { Transactions } from '../../database/transactions';
import { ClientInfo } from '../../sessions/session.types';
import { SessionsService } from '../../sessions/sessions.service';
import { UsersService } from '../../users/users.service';
import { TokenPairDto } from '../dto/token-pair.dto';
import { LoginLockoutService, userLockoutKey } from '../lockout/login-lockout.service';
import { PasswordService } from '../passwords/password.service';
import { FirstFactor, SecondFactorProof, SecondFactors } from '../second-factors/second-factors';
import { SignIn } from '../sign-in.service';
import { StepUpDto } from './dto/step-up.dto';

/** The refusals that count toward the lockout: a wrong password or second factor. */
const WRONG_PROOF: readonly ErrorCode[] = [ErrorCode.INVALID_CREDENTIALS, ErrorCode.MFA_CODE_INVALID, ErrorCode.PASSKEY_INVALID];

function secondFactorOf(proof: StepUpDto): SecondFactorProof {
  if (proof.code !== undefined) return { code: proof.code };
  if (proof.recoveryCode !== undefined) return { recoveryCode: proof.recoveryCode };
  return { passkey: proof.passkey! };
}

/** RFC 8176 values that are a first factor of a session; a second factor shown on top of one makes it `mfa`. */
const FIRST_FACTORS: readonly string[] = ['pwd', 'fed'] satisfies FirstFactor[];

/**
 * Re-authentication of a signed-in session (RFC 9470): a fresh `auth_time` and the `amr` of what was shown. Wrong
 * passwords and codes count toward the account's lockout, as at login, so a stolen access token cannot guess freely.
 */
@Injectable()
export class StepUpService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly secondFactors: SecondFactors,
    private readonly lockout: LoginLockoutService,
    private readonly sessions: SessionsService,
    private readonly signIn: SignIn,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async stepUp(caller: AuthUser, proof: StepUpDto, client: ClientInfo, refreshCookie?: string): Promise<TokenPairDto> {
    const user = await this.users.findCredentialsById(caller.userId);
    if (!user || user.disabled) throw new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');
    const lockoutKey = userLockoutKey(user.id);
    await this.lockout.assertNotLocked(lockoutKey);
    const secondFactor = await this.secondFactors.has(user.id);
    const check = () => this.check(user.id, user.passwordHash, secondFactor, caller, proof);
    try {
      // bcrypt runs before the transaction (on SQLite transactions take turns: none may wait on a 50 ms hash), and so
      // does a passkey, whose challenge is spent pass or fail (a rollback would restore it); a code is checked inside
      // it, since spending it is a write that commits with its event.
      const checkedFirst = proof.password !== undefined || proof.passkey !== undefined ? await check() : undefined;
      return await this.transactions.run(async () => {
        const amr = checkedFirst ?? (await check());
        if (proof.recoveryCode !== undefined) {
          await this.audit.record({ type: 'mfa.recovery_code_used', userId: user.id, actorId: user.id, details: { stepUp: true } }, client);
        }
        const session = await this.sessions.reauthenticate(caller.sessionId, { amr, authTime: new Date(), secondFactor }, refreshCookie);
        await this.lockout.succeeded(lockoutKey);
        return this.signIn.pair(user, session, secondFactor);
      });
    } catch (error) {
      if (error instanceof AppException && WRONG_PROOF.includes(error.code)) {
        await this.lockout.recordFailure(lockoutKey);
        if (error.code !== ErrorCode.INVALID_CREDENTIALS) {
          const method = proof.code !== undefined ? 'totp' : proof.recoveryCode !== undefined ? 'recovery_code' : 'passkey';
          await this.audit.record({ type: 'mfa.failed', userId: user.id, outcome: 'failure', details: { method, stepUp: true } }, client);
        }
      }
      throw error;
    }
  }

  /** The `amr` the session gets, or the refusal of the proof. */
  private async check(
    userId: string,
    passwordHash: string | null,
    secondFactor: boolean,
    caller: AuthUser,
    proof: StepUpDto,
  ): Promise<string[]> {
    if (proof.password !== undefined) {
      // API.md: a password alone never makes a user with a second factor "recent"; refused rather than a pair that is not.
      if (secondFactor)
        throw AppException.validation(['password: this user has a second factor; step up with code, recoveryCode or passkey']);
      if (!(await this.passwords.verify(proof.password, passwordHash))) throw new AppException(ErrorCode.INVALID_CREDENTIALS);
      return ['pwd'];
    }
    const shown = await this.secondFactors.prove(userId, secondFactorOf(proof), { kind: 'step_up', sessionId: caller.sessionId });
    const first = caller.amr.filter((method) => FIRST_FACTORS.includes(method));
    return first.length > 0 ? [...new Set([...first, ...shown, 'mfa'])] : shown;
  }
}

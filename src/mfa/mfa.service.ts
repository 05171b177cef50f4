import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AuditService } from '../audit/audit.service';
import { SecondFactors } from '../auth/second-factors/second-factors';
import { AuthUser } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { Transactions } from '../database/transactions';
import { ClientInfo } from '../sessions/session.types';
import { SessionsService } from '../sessions/sessions.service';
import { USER_DELETED, UserDeletedEvent } from '../users/events/user-deleted.event';
import { UsersService } from '../users/users.service';
import { MfaStatusDto } from './dto/mfa-status.dto';
import { RecoveryCodesDto } from './dto/recovery-codes.dto';
import { TotpEnrolmentDto } from './dto/totp-enrolment.dto';
import { MfaChallengesService } from './mfa-challenges.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * A user's second factors as they manage them, and an admin's reset. Turning a factor on or off ends the user's other
 * sessions (ASVS 7.4.3), through SessionsService's one path.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly challenges: MfaChallengesService,
    private readonly secondFactors: SecondFactors,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  status(userId: string): Promise<MfaStatusDto> {
    return this.secondFactors.summaryOf(userId);
  }

  async enrolTotp(caller: AuthUser): Promise<TotpEnrolmentDto> {
    return this.totp.enrol(caller.userId, caller.username);
  }

  async confirmTotp(caller: AuthUser, code: string, client: ClientInfo): Promise<RecoveryCodesDto> {
    return this.transactions.run(async () => {
      await this.totp.confirm(caller.userId, code);
      const recoveryCodes = await this.recoveryCodes.replace(caller.userId);
      await this.sessions.revokeAllForUser(caller.userId, caller.sessionId);
      await this.sessions.setSecondFactor(caller.sessionId, true);
      await this.audit.record({ type: 'mfa.enabled', userId: caller.userId, actorId: caller.userId, details: { method: 'totp' } }, client);
      return { recoveryCodes };
    });
  }

  async disableTotp(caller: AuthUser, client: ClientInfo): Promise<void> {
    if (!(await this.totp.isEnabled(caller.userId))) throw new AppException(ErrorCode.MFA_NOT_ENABLED);
    await this.transactions.run(async () => {
      await this.removeFactors(caller.userId);
      await this.sessions.revokeAllForUser(caller.userId, caller.sessionId);
      await this.sessions.setSecondFactor(caller.sessionId, await this.secondFactors.has(caller.userId));
      await this.audit.record({ type: 'mfa.disabled', userId: caller.userId, actorId: caller.userId, details: { method: 'totp' } }, client);
    });
  }

  async replaceRecoveryCodes(caller: AuthUser, client: ClientInfo): Promise<RecoveryCodesDto> {
    if (!(await this.totp.isEnabled(caller.userId))) throw new AppException(ErrorCode.MFA_NOT_ENABLED);
    return this.transactions.run(async () => {
      const recoveryCodes = await this.recoveryCodes.replace(caller.userId);
      await this.audit.record({ type: 'mfa.recovery_codes_regenerated', userId: caller.userId, actorId: caller.userId }, client);
      return { recoveryCodes };
    });
  }

  async statusOf(userId: string): Promise<MfaStatusDto> {
    await this.assertUserExists(userId);
    return this.status(userId);
  }

  /** For a user locked out of their second factors: every one goes (passkeys too), and so do all their sessions. */
  async reset(userId: string, actorId: string, client: ClientInfo): Promise<void> {
    await this.assertUserExists(userId);
    await this.transactions.run(async () => {
      const methods = await this.secondFactors.methodsOf(userId);
      await this.secondFactors.removeAll(userId);
      await this.challenges.removeAll(userId);
      await this.sessions.revokeAllForUser(userId);
      await this.audit.record({ type: 'mfa.disabled', userId, actorId, details: { methods, reset: true } }, client);
    });
  }

  /** A deleted user's sealed secret and code hashes go with them. */
  @OnEvent(USER_DELETED)
  async onUserDeleted({ userId }: UserDeletedEvent): Promise<void> {
    await this.removeFactors(userId);
  }

  private async removeFactors(userId: string): Promise<void> {
    await this.totp.remove(userId);
    await this.recoveryCodes.removeAll(userId);
    await this.challenges.removeAll(userId);
  }

  private async assertUserExists(userId: string): Promise<void> {
    if (!(await this.users.findCredentialsById(userId))) throw new AppException(ErrorCode.USER_NOT_FOUND);
  }
}

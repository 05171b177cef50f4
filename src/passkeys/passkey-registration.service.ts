import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { SecondFactors } from '../auth/second-factors/second-factors';
import { AuthUser } from '../common/auth';
import { AppException, ErrorCode, PasskeyRegistrationRefused } from '../common/errors';
import { isUniqueViolation } from '../database/database-errors';
import { Transactions } from '../database/transactions';
import { ClientInfo } from '../sessions/session.types';
import { SessionsService } from '../sessions/sessions.service';
import { USER_DELETED, UserDeletedEvent } from '../users/events/user-deleted.event';
import { PasskeyDto, toPasskeyDto } from './dto/passkey.dto';
import { DEFAULT_PASSKEY_NAME } from './dto/passkey-name.field';
import { PasskeyChallengesService } from './passkey-challenges.service';
import { MAX_PASSKEYS_PER_USER, PasskeysService } from './passkeys.service';
import { WebAuthnCeremonies } from './webauthn-ceremonies.service';

/**
 * A user's own passkeys: adding one (a registration ceremony), naming and removing them. Gaining a first second
 * factor or losing the last ends the user's other sessions (ASVS 7.4.3), as turning TOTP on or off does.
 */
@Injectable()
export class PasskeyRegistrationService {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly challenges: PasskeyChallengesService,
    private readonly ceremonies: WebAuthnCeremonies,
    private readonly secondFactors: SecondFactors,
    private readonly sessions: SessionsService,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async options(caller: AuthUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.passkeys.listOf(caller.userId);
    if (existing.length >= MAX_PASSKEYS_PER_USER) throw new AppException(ErrorCode.PASSKEY_LIMIT_REACHED);
    return this.ceremonies.registrationOptions({ id: caller.userId, username: caller.username }, existing);
  }

  async register(caller: AuthUser, response: object, name: string | undefined, client: ClientInfo): Promise<PasskeyDto> {
    // Before the transaction: the challenge is spent whether the response passes or not, which a rollback would undo.
    const verified = await this.ceremonies.verifyRegistration(caller.userId, response);
    const added = this.transactions.run(async () => {
      const hadSecondFactor = await this.secondFactors.has(caller.userId);
      const passkey = await this.passkeys.add({ ...verified, name: name ?? DEFAULT_PASSKEY_NAME });
      if (!hadSecondFactor) {
        await this.sessions.revokeAllForUser(caller.userId, caller.sessionId);
        await this.sessions.setSecondFactor(caller.sessionId, true);
      }
      await this.audit.record(
        {
          type: 'passkey.added',
          userId: caller.userId,
          actorId: caller.userId,
          details: { passkeyId: passkey.id, backedUp: passkey.backedUp },
        },
        client,
      );
      return toPasskeyDto(passkey);
    });
    return added.catch((error: unknown) => {
      // The loser of two registrations of one new credential: the unique index decided what the lookup could not.
      if (isUniqueViolation(error)) throw new PasskeyRegistrationRefused();
      throw error;
    });
  }

  async list(caller: AuthUser): Promise<PasskeyDto[]> {
    return (await this.passkeys.listOf(caller.userId)).map(toPasskeyDto);
  }

  async rename(caller: AuthUser, id: string, name: string): Promise<PasskeyDto> {
    return toPasskeyDto(await this.passkeys.rename(caller.userId, id, name));
  }

  async remove(caller: AuthUser, id: string, client: ClientInfo): Promise<void> {
    await this.transactions.run(async () => {
      const passkey = await this.passkeys.remove(caller.userId, id);
      if (!(await this.secondFactors.has(caller.userId))) {
        await this.sessions.revokeAllForUser(caller.userId, caller.sessionId);
        await this.sessions.setSecondFactor(caller.sessionId, false);
      }
      await this.audit.record(
        { type: 'passkey.removed', userId: caller.userId, actorId: caller.userId, details: { passkeyId: passkey.id } },
        client,
      );
    });
  }

  /** A deleted user's public keys and pending ceremonies go with them. */
  @OnEvent(USER_DELETED)
  async onUserDeleted({ userId }: UserDeletedEvent): Promise<void> {
    await this.passkeys.removeAll(userId);
    await this.challenges.removeAll(userId);
  }
}

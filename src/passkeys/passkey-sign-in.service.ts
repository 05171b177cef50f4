import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AuthEvents, LoginOrigin } from '../auth/auth-events';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { TokenTransport } from '../auth/browser/token-transport';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { SignIn } from '../auth/sign-in.service';
import { AuthUser } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { mailConfig } from '../config';
import { MfaChallengesService } from '../mfa/mfa-challenges.service';
import { MfaLoginService } from '../mfa/mfa-login.service';
import { UsersService } from '../users/users.service';
import { Passkey } from './entities/passkey.entity';
import { IssuedFor } from './passkey-challenges.service';
import { PasskeysService } from './passkeys.service';
import { WebAuthnCeremonies } from './webauthn-ceremonies.service';

/**
 * Signing in with a passkey: passwordless (the browser offers the user's passkeys, the credential names the user), or
 * as the second step of a login that answered MFA_REQUIRED. The same options route serves a signed-in caller's step-up.
 */
@Injectable()
export class PasskeySignInService {
  constructor(
    private readonly ceremonies: WebAuthnCeremonies,
    private readonly passkeys: PasskeysService,
    private readonly pendingLogins: MfaChallengesService,
    private readonly mfaLogins: MfaLoginService,
    private readonly users: UsersService,
    private readonly signIn: SignIn,
    private readonly events: AuthEvents,
    @Inject(mailConfig.KEY) private readonly mail: ConfigType<typeof mailConfig>,
  ) {}

  /** With an mfaToken: that login's user. With a session and no token: a step-up of the caller. Else: passwordless. */
  async options(mfaToken: string | undefined, caller: AuthUser | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (mfaToken !== undefined) {
      const { tokenHash, userId } = await this.pendingLogins.peek(mfaToken);
      const issuedFor: IssuedFor = { ceremony: 'second_factor', userId, boundTo: tokenHash };
      return this.ceremonies.authenticationOptions(issuedFor, await this.passkeysOf(userId));
    }
    if (caller) {
      const issuedFor: IssuedFor = { ceremony: 'step_up', userId: caller.userId, boundTo: caller.sessionId };
      return this.ceremonies.authenticationOptions(issuedFor, await this.passkeysOf(caller.userId));
    }
    return this.ceremonies.authenticationOptions({ ceremony: 'login', userId: null, boundTo: null }, []);
  }

  async verify(
    response: object,
    mfaToken: string | undefined,
    origin: LoginOrigin,
    transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    if (mfaToken !== undefined) return this.mfaLogins.finish(mfaToken, { passkey: response }, origin, transport);
    return this.passwordless(response, origin, transport);
  }

  /**
   * A passkey with user verification is two factors (possession, and the device's PIN or biometric): the session is
   * `mfa` and recent. The account lockout is not asked: it counts password guesses, and a passkey is not guessable,
   * so a user locked out by someone guessing at their password can still sign in this way.
   */
  private async passwordless(response: object, origin: LoginOrigin, transport: TokenTransport): Promise<TokenPairDto | CookieSessionDto> {
    const { passkey } = await this.ceremonies
      .verifyAssertion(response, { ceremony: 'login', userId: null, boundTo: null })
      .catch(async (error: unknown) => {
        if (error instanceof AppException) await this.events.loginFailed('invalid_credentials', undefined, 'passkey', origin);
        throw error;
      });
    const user = await this.users.findCredentialsById(passkey.userId);
    if (!user) throw new AppException(ErrorCode.PASSKEY_INVALID);
    if (user.disabled) {
      await this.events.loginFailed('disabled', user.id, 'passkey', origin);
      throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    }
    if (this.mail.requireEmailVerification && !user.emailVerified) {
      await this.events.loginFailed('email_not_verified', user.id, 'passkey', origin);
      throw new AppException(ErrorCode.EMAIL_NOT_VERIFIED);
    }
    this.events.login('success', user.id, origin);
    return this.signIn.open(user, origin, { amr: ['hwk', 'user', 'mfa'], secondFactor: true, via: 'passkey' }, transport);
  }

  /** Options for one user's passkeys; a user without any has none to show. */
  private async passkeysOf(userId: string): Promise<Passkey[]> {
    const passkeys = await this.passkeys.listOf(userId);
    if (passkeys.length === 0) throw new AppException(ErrorCode.PASSKEY_NOT_FOUND);
    return passkeys;
  }
}

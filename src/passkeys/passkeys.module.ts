import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { MfaModule } from '../mfa/mfa.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { PasskeyChallenge } from './entities/passkey-challenge.entity';
import { Passkey } from './entities/passkey.entity';
import { PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeyLoginController } from './passkey-login.controller';
import { PasskeyRegistrationService } from './passkey-registration.service';
import { PasskeySecondFactors } from './passkey-second-factors';
import { PasskeySignInService } from './passkey-sign-in.service';
import { PasskeysController } from './passkeys.controller';
import { PasskeysService } from './passkeys.service';
import { WebAuthnCeremonies } from './webauthn-ceremonies.service';

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registration, passwordless sign-in, and a second factor. It registers
 * with auth's SecondFactors like mfa/ does, and finishes a login's second step through mfa/'s pending logins.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Passkey, PasskeyChallenge]), AuthModule, MfaModule, UsersModule, SessionsModule],
  controllers: [PasskeysController, PasskeyLoginController],
  providers: [
    PasskeysService,
    PasskeyChallengesService,
    WebAuthnCeremonies,
    PasskeySecondFactors,
    PasskeyRegistrationService,
    PasskeySignInService,
  ],
})
export class PasskeysModule {}

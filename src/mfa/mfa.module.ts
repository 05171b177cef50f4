import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { mfaConfig, MfaConfig } from '../config';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { SECRET_BOX, secretBoxFrom } from './data-key';
import { MfaChallenge } from './entities/mfa-challenge.entity';
import { RecoveryCode } from './entities/recovery-code.entity';
import { TotpCredential } from './entities/totp-credential.entity';
import { MfaAdminController } from './mfa-admin.controller';
import { MfaChallengesService } from './mfa-challenges.service';
import { MfaLoginController } from './mfa-login.controller';
import { MfaLoginService } from './mfa-login.service';
import { MfaSecondFactors } from './mfa-second-factors';
import { MfaController } from './mfa.controller';
import { MfaService } from './mfa.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * TOTP, recovery codes and the login's second step. It depends on auth/ (the sign-in path, the lockout) and registers
 * itself with auth's SecondFactors, which the login flow asks; auth/ never imports this module.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TotpCredential, RecoveryCode, MfaChallenge]), AuthModule, UsersModule, SessionsModule],
  controllers: [MfaController, MfaLoginController, MfaAdminController],
  providers: [
    { provide: SECRET_BOX, inject: [mfaConfig.KEY], useFactory: (config: MfaConfig) => secretBoxFrom(config) },
    TotpService,
    RecoveryCodesService,
    MfaChallengesService,
    MfaSecondFactors,
    MfaService,
    MfaLoginService,
  ],
  // For passkeys/: a passkey is a second factor too, and finishes the same pending logins.
  exports: [MfaChallengesService, MfaLoginService],
})
export class MfaModule {}

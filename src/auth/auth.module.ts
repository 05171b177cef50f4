import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { authConfig, AuthConfig } from '../config';
import { MailModule } from '../mail/mail.module';
import { UsersModule } from '../users/users.module';
import { AdminAccountService } from './admin-account.service';
import { AuthEvents } from './auth-events';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BrowserSessionsController } from './browser/browser-sessions.controller';
import { BrowserSessions } from './browser/browser-sessions.service';
import { CsrfService } from './browser/csrf.service';
import { AccessGuard } from './guards/access.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RecentAuthGuard } from './guards/recent-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { LoginLockout } from './lockout/login-lockout.entity';
import { LoginLockoutService } from './lockout/login-lockout.service';
import { PasswordService } from './passwords/password.service';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { AccountRecoveryController } from './recovery/account-recovery.controller';
import { EmailVerificationService } from './recovery/email-verification.service';
import { MailRateLimit } from './recovery/mail-rate-limit';
import { OneTimeToken } from './recovery/one-time-token.entity';
import { DEFAULT_ONE_TIME_TOKEN_TTLS, ONE_TIME_TOKEN_TTLS, OneTimeTokensService } from './recovery/one-time-tokens.service';
import { PasswordResetService } from './recovery/password-reset.service';
import { SessionsModule } from '../sessions/sessions.module';
import { SecondFactors } from './second-factors/second-factors';
import { SignIn } from './sign-in.service';
import { StepUpController } from './step-up/step-up.controller';
import { StepUpService } from './step-up/step-up.service';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LocalStrategy } from './strategies/local.strategy';
import { JwksController } from './tokens/jwks.controller';
import { loadKeyRing } from './tokens/key-ring';
import { KEY_RING, TokensService } from './tokens/tokens.service';

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    PassportModule,
    TypeOrmModule.forFeature([LoginLockout, OneTimeToken]),
    RateLimitModule,
    MailModule,
  ],
  controllers: [AuthController, BrowserSessionsController, StepUpController, JwksController, AccountRecoveryController],
  providers: [
    AuthService,
    AuthEvents,
    AdminAccountService,
    PasswordService,
    LoginLockoutService,
    OneTimeTokensService,
    { provide: ONE_TIME_TOKEN_TTLS, useValue: DEFAULT_ONE_TIME_TOKEN_TTLS },
    MailRateLimit,
    PasswordResetService,
    EmailVerificationService,
    TokensService,
    {
      provide: KEY_RING,
      inject: [authConfig.KEY],
      useFactory: (auth: AuthConfig) =>
        loadKeyRing({
          algorithm: auth.jwtAlgorithm,
          secret: auth.jwtSecret,
          privateKeyFile: auth.jwtPrivateKeyFile,
          publicKeyFiles: auth.jwtPublicKeyFiles,
        }),
    },
    LocalStrategy,
    JwtStrategy,
    CsrfService,
    BrowserSessions,
    SignIn,
    SecondFactors,
    StepUpService,
    // Deny by default: every route needs a token unless @Public(); AccessGuard runs the other guards a route asks for.
    JwtAuthGuard,
    RolesGuard,
    RecentAuthGuard,
    AccessGuard,
    { provide: APP_GUARD, useExisting: AccessGuard },
  ],
  // For the other ways to sign in (second factor, passkey, identity provider): SignIn ends every login, SecondFactors
  // is where a feature registers as the second factor, and wrong codes count toward the same lockout as passwords.
  // KEY_RING: keys derived from it (the audit trail's page cursors) are the same on every instance.
  exports: [AdminAccountService, AuthEvents, BrowserSessions, SignIn, SecondFactors, LoginLockoutService, KEY_RING],
})
export class AuthModule {}

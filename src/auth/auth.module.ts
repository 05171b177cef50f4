import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { AdminAccountService } from './admin-account.service';
import { AuthEvents } from './auth-events';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { LoginLockout } from './lockout/login-lockout.entity';
import { LoginLockoutService } from './lockout/login-lockout.service';
import { PasswordService } from './passwords/password.service';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsModule } from './sessions/sessions.module';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LocalStrategy } from './strategies/local.strategy';
import { JwksController } from './tokens/jwks.controller';
import { signingKeyProvider } from './tokens/signing-key.provider';
import { TokensService } from './tokens/tokens.service';

@Module({
  imports: [UsersModule, SessionsModule, PassportModule, JwtModule.register({}), TypeOrmModule.forFeature([LoginLockout]), RateLimitModule],
  controllers: [AuthController, SessionsController, JwksController],
  providers: [
    AuthService,
    AuthEvents,
    AdminAccountService,
    PasswordService,
    LoginLockoutService,
    TokensService,
    signingKeyProvider,
    LocalStrategy,
    JwtStrategy,
    // Deny by default: every route needs a token unless @Public(); `useExisting` lets tests override the guards.
    JwtAuthGuard,
    RolesGuard,
    { provide: APP_GUARD, useExisting: JwtAuthGuard },
    { provide: APP_GUARD, useExisting: RolesGuard },
  ],
  exports: [AdminAccountService],
})
export class AuthModule {}

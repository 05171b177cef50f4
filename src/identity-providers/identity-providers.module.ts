import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { RateLimitModule } from '../auth/rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { IdentitiesController } from './identities.controller';
import { LinkedIdentitiesService } from './linked-identities.service';
import { LinkedIdentity } from './linked-identity.entity';
import { OidcFlow } from './oidc-flow.entity';
import { OidcFlows } from './oidc-flows.service';
import { OidcLoginCode } from './oidc-login-code.entity';
import { OidcProviders } from './oidc-providers.service';
import { OidcSignIn } from './oidc-sign-in.service';
import { OidcController } from './oidc.controller';
import { ProviderAccounts } from './provider-accounts.service';

/** Sign-in with OpenID Connect providers. Depends on users and authentication; nothing depends on it. */
@Module({
  imports: [UsersModule, AuthModule, RateLimitModule, TypeOrmModule.forFeature([LinkedIdentity, OidcFlow, OidcLoginCode])],
  controllers: [OidcController, IdentitiesController],
  providers: [OidcProviders, OidcFlows, OidcSignIn, ProviderAccounts, LinkedIdentitiesService],
})
export class IdentityProvidersModule {}

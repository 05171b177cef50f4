import { registerAs } from '@nestjs/config';
import { appUrlOf, oidcProvidersOf, publicUrlOf, validatedEnvironment } from './environment';
import { OidcProviderSettings } from './oidc-providers';
import { originOf, parseOriginList } from './origins';

export interface OidcProviderConfig extends OidcProviderSettings {
  /** `PUBLIC_URL/api/v1/auth/oidc/<id>/callback`: what the provider's client registration must list. */
  redirectUri: string;
}

export const oidcConfig = registerAs('oidc', () => {
  const env = validatedEnvironment();
  const publicUrl = publicUrlOf(env);
  const appUrl = appUrlOf(env);
  return {
    providers: oidcProvidersOf(env).map((provider): OidcProviderConfig => ({
      ...provider,
      redirectUri: `${publicUrl}/api/v1/auth/oidc/${provider.id}/callback`,
    })),
    /** Where a flow ends when it names no `returnTo`, or when its state is unknown. */
    appUrl,
    /** The origins a `returnTo` may be on: APP_URL's and CORS_ORIGINS (compared as parsed origins, never as prefixes). */
    returnOrigins: [...new Set([originOf(appUrl), ...parseOriginList(env.CORS_ORIGINS)])].filter(
      (origin): origin is string => origin !== undefined,
    ),
  };
});

export type OidcConfig = ReturnType<typeof oidcConfig>;

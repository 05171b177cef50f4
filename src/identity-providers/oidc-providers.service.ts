import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { allowInsecureRequests, Configuration, discovery } from 'openid-client';
import { AppException, ErrorCode } from '../common/errors';
import { oidcConfig, OidcProviderConfig } from '../config';
import { isLoopbackUrl } from '../config/oidc-providers';
import { ProviderDto } from './dto/provider.dto';

/** Waits between discovery attempts of a provider that did not answer: growing, never longer than this. */
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 30_000;
const DISCOVERY_TIMEOUT_SECONDS = 10;

export interface DiscoveredProvider {
  settings: OidcProviderConfig;
  client: Configuration;
}

/**
 * The configured identity providers and their discovered metadata. Discovery runs in the background from start: a
 * provider that cannot be reached is logged and retried with growing waits, and answers PROVIDER_UNAVAILABLE
 * meanwhile, so one provider's outage never stops the service or the other providers.
 */
@Injectable()
export class OidcProviders implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('IdentityProviders');
  private readonly discovered = new Map<string, Configuration>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(@Inject(oidcConfig.KEY) private readonly config: ConfigType<typeof oidcConfig>) {}

  onApplicationBootstrap(): void {
    for (const provider of this.config.providers) void this.discover(provider, FIRST_RETRY_MS);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  list(): ProviderDto[] {
    return this.config.providers.map(({ id, name }) => ({ id, name }));
  }

  /** A provider ready for a flow: PROVIDER_NOT_FOUND when none has this id, PROVIDER_UNAVAILABLE before discovery. */
  get(id: string): DiscoveredProvider {
    const settings = this.settingsOf(id);
    const client = this.discovered.get(settings.id);
    if (!client) throw new AppException(ErrorCode.PROVIDER_UNAVAILABLE);
    return { settings, client };
  }

  settingsOf(id: string): OidcProviderConfig {
    const settings = this.config.providers.find((provider) => provider.id === id);
    if (!settings) throw new AppException(ErrorCode.PROVIDER_NOT_FOUND);
    return settings;
  }

  private async discover(provider: OidcProviderConfig, nextWaitMs: number): Promise<void> {
    if (this.stopped) return;
    const issuer = new URL(provider.issuer);
    try {
      const client = await discovery(issuer, provider.clientId, provider.clientSecret, undefined, {
        // Configuration refuses http issuers other than loopback ones (oidc-providers.ts).
        execute: issuer.protocol === 'http:' && isLoopbackUrl(issuer) ? [allowInsecureRequests] : [],
        timeout: DISCOVERY_TIMEOUT_SECONDS,
      });
      this.discovered.set(provider.id, client);
      this.logger.log(`identity provider "${provider.id}" discovered at ${provider.issuer}`);
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(
        `identity provider "${provider.id}" could not be discovered at ${provider.issuer} (${(error as Error).message}); ` +
          `retrying in ${Math.round(nextWaitMs / 1000)} s`,
      );
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.discover(provider, Math.min(nextWaitMs * 2, LONGEST_RETRY_MS));
      }, nextWaitMs);
      timer.unref();
      this.timers.add(timer);
    }
  }
}

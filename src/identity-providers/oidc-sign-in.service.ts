import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  fetchUserInfo,
  randomNonce,
  randomPKCECodeVerifier,
} from 'openid-client';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { TokenTransport } from '../auth/browser/token-transport';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { SecondFactors } from '../auth/second-factors/second-factors';
import { SignIn } from '../auth/sign-in.service';
import { AppException, ErrorCode } from '../common/errors';
import { oidcConfig } from '../config';
import { ClientInfo } from '../sessions/session.types';
import { UsersService } from '../users/users.service';
import { hashBinding } from './browser-binding';
import { ClaimedFlow, OidcFlows } from './oidc-flows.service';
import { DiscoveredProvider, OidcProviders } from './oidc-providers.service';
import { ProviderAccounts, ProviderProfile } from './provider-accounts.service';
import { resolveReturnTo, withOutcome } from './return-to';

/** Longer than any state we issue (43) by far; a longer one cannot be ours, nor an authorization code this long. */
const MAX_STATE_LENGTH = 512;
const MAX_CODE_LENGTH = 4096;

/** What the callback route hands over: the parsed query (a repeated name is an array), the raw one, the binding cookie. */
export interface CallbackRequest {
  query: Record<string, unknown>;
  rawQuery: string;
  browserBinding: string | undefined;
}

/** Who starts a flow: a browser signing in (bound to it), or a signed-in user linking an identity. */
export type FlowStarter = { purpose: 'login'; browserBinding: string } | { purpose: 'link'; userId: string };

/**
 * The authorization-code flow with PKCE S256, `state` and `nonce` (RFC 9700 §2.1, OpenID Connect Core §3.1): start
 * stores the flow server side, the callback spends it once and ends in a redirect, the exchange opens the session.
 */
@Injectable()
export class OidcSignIn {
  private readonly logger = new Logger('IdentityProviders');

  constructor(
    private readonly providers: OidcProviders,
    private readonly flows: OidcFlows,
    private readonly accounts: ProviderAccounts,
    private readonly users: UsersService,
    private readonly signIn: SignIn,
    private readonly secondFactors: SecondFactors,
    @Inject(oidcConfig.KEY) private readonly config: ConfigType<typeof oidcConfig>,
  ) {}

  /** The provider's authorization URL for a new flow (its `state`, `nonce` and PKCE challenge travel in it). */
  async start(providerId: string, returnTo: string | undefined, starter: FlowStarter): Promise<string> {
    const { settings, client } = this.providers.get(providerId);
    const target = resolveReturnTo(returnTo, this.config.appUrl, this.config.returnOrigins);
    const codeVerifier = randomPKCECodeVerifier();
    const nonce = randomNonce();
    const state = await this.flows.begin({
      provider: settings.id,
      purpose: starter.purpose,
      userId: starter.purpose === 'link' ? starter.userId : null,
      browserBinding: starter.purpose === 'login' ? hashBinding(starter.browserBinding) : null,
      nonce,
      codeVerifier,
      returnTo: target,
    });
    return buildAuthorizationUrl(client, {
      redirect_uri: settings.redirectUri,
      scope: settings.scopes.join(' '),
      response_type: 'code',
      state,
      nonce,
      code_challenge: await calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
  }

  /**
   * Where the browser goes after the provider: `returnTo` with `loginCode` (or `linked`), or with `error`. A state
   * that matches no flow ends at APP_URL; only a request too malformed to tie to any flow is a 400.
   */
  async finish(providerId: string, request: CallbackRequest, client: ClientInfo): Promise<string> {
    const state = request.query.state;
    if (Array.isArray(state) || (typeof state === 'string' && state.length > MAX_STATE_LENGTH)) {
      throw AppException.validation(['state must be given once and be at most 512 characters']);
    }
    this.providers.settingsOf(providerId);
    const flow = typeof state === 'string' ? await this.flows.claim(state) : undefined;
    if (!flow || flow.provider !== providerId || !startedHere(flow, request.browserBinding)) {
      return withOutcome(flow?.returnTo ?? this.config.appUrl, { error: ErrorCode.OIDC_STATE_INVALID });
    }
    try {
      const profile = await this.profileOf(flow, state as string, request);
      if (flow.purpose === 'link') {
        await this.accounts.link(flow.userId!, profile, client);
        return withOutcome(flow.returnTo, { linked: flow.provider });
      }
      const user = await this.accounts.signIn(profile, client);
      return withOutcome(flow.returnTo, { loginCode: await this.flows.issueLoginCode(user.id) });
    } catch (error) {
      if (!(error instanceof AppException)) throw error;
      return withOutcome(flow.returnTo, { error: error.code });
    }
  }

  /**
   * A login code for a session, through the same call as a password login. The provider is the first factor (`amr`
   * `fed`): a user who has a second factor here answers it at POST /auth/mfa/verify, as after a password, so a
   * provider account never bypasses the second factor someone set up with Gatehouse.
   */
  async exchange(loginCode: string, client: ClientInfo, transport: TokenTransport): Promise<TokenPairDto | CookieSessionDto> {
    const userId = await this.flows.spendLoginCode(loginCode);
    const user = userId && (await this.users.findCredentialsById(userId));
    if (!user) throw new AppException(ErrorCode.LOGIN_CODE_INVALID);
    if (user.disabled) throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    const methods = await this.secondFactors.methodsOf(user.id);
    if (methods.length > 0) throw await this.secondFactors.challenge(user.id, methods, 'fed');
    return this.signIn.open(user, client, { amr: ['fed'], secondFactor: false, via: 'oidc' }, transport);
  }

  /** The verified identity of the callback: every failure here is the provider's side of the flow, OIDC_FAILED. */
  private async profileOf(flow: ClaimedFlow, state: string, request: CallbackRequest): Promise<ProviderProfile> {
    let provider: DiscoveredProvider;
    try {
      provider = this.providers.get(flow.provider);
    } catch {
      throw new AppException(ErrorCode.OIDC_FAILED);
    }
    const { code, error } = request.query;
    if (error !== undefined) return this.failed(flow, `the provider answered an error: ${JSON.stringify(error).slice(0, 100)}`);
    if (typeof code !== 'string' || code === '' || code.length > MAX_CODE_LENGTH) return this.failed(flow, 'no single authorization code');
    const callbackUrl = new URL(provider.settings.redirectUri);
    callbackUrl.search = request.rawQuery;
    try {
      // Checks state, iss (RFC 9207) when the provider sends it, then the ID token's iss, aud, azp, exp, iat and nonce.
      const tokens = await authorizationCodeGrant(provider.client, callbackUrl, {
        expectedState: state,
        expectedNonce: flow.nonce,
        pkceCodeVerifier: flow.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      let about: Record<string, unknown> = claims;
      if (claims.email === undefined && provider.client.serverMetadata().userinfo_endpoint) {
        // Some providers (and OpenID Connect Core §5.4 for scope-requested claims) put the address in userinfo only;
        // fetchUserInfo checks that it is about the ID token's subject.
        about = { ...(await fetchUserInfo(provider.client, tokens.access_token, claims.sub)), ...claims };
      }
      return {
        provider: flow.provider,
        issuer: claims.iss,
        subject: claims.sub,
        email: typeof about.email === 'string' ? about.email : undefined,
        emailVerified: about.email_verified === true,
        preferred_username: about.preferred_username,
        name: about.name,
      };
    } catch (failure) {
      // openid-client names the claim that failed (nonce, aud, iss, …) in the cause; never a token or a code.
      const claim = (failure as { cause?: { claim?: unknown } }).cause?.claim;
      return this.failed(flow, `${(failure as Error).message}${typeof claim === 'string' ? ` (${claim})` : ''}`);
    }
  }

  private failed(flow: ClaimedFlow, reason: string): never {
    this.logger.warn({ event: 'oidc_failed', provider: flow.provider, purpose: flow.purpose, reason });
    throw new AppException(ErrorCode.OIDC_FAILED);
  }
}

/** A login flow ends only in the browser that started it; a link flow is bound to its user instead. */
function startedHere(flow: ClaimedFlow, browserBinding: string | undefined): boolean {
  if (flow.browserBinding === null) return flow.purpose === 'link';
  return browserBinding !== undefined && hashBinding(browserBinding) === flow.browserBinding;
}

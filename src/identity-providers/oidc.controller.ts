import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { BrowserSessions } from '../auth/browser/browser-sessions.service';
import { CookieReply, IssuesTokens, TokenTransport, Transport } from '../auth/browser/token-transport';
import { Client } from '../auth/decorators/client-info.decorator';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { RateLimited } from '../auth/rate-limit/rate-limited.decorator';
import { AuthUser, CurrentUser, Public, RequireRecentAuth } from '../common/auth';
import { ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { ClientInfo } from '../sessions/session.types';
import { bindingCookie, browserBinding, presentedBinding } from './browser-binding';
import { AuthorizationUrlDto } from './dto/authorization-url.dto';
import { ExchangeDto } from './dto/exchange.dto';
import { LinkDto } from './dto/link.dto';
import { ProviderDto } from './dto/provider.dto';
import { StartQueryDto } from './dto/start-query.dto';
import { OidcProviders } from './oidc-providers.service';
import { OidcSignIn } from './oidc-sign-in.service';

const PROVIDER_PARAM = ApiParam({ name: 'provider', description: 'A provider id of `OIDC_PROVIDERS`', example: 'corp' });

@ApiTags('identity providers')
@Controller({ path: 'auth/oidc', version: '1' })
export class OidcController {
  constructor(
    private readonly providers: OidcProviders,
    private readonly signIn: OidcSignIn,
    private readonly browser: BrowserSessions,
  ) {}

  @Public()
  @Get('providers')
  @ApiOperation({ operationId: 'oidc_providers', summary: 'The identity providers one can sign in with' })
  @ApiOkResponse({ type: [ProviderDto], description: 'The configured providers, in the order of OIDC_PROVIDERS' })
  list(): ProviderDto[] {
    return this.providers.list();
  }

  @Public()
  @RateLimited()
  @Get(':provider/start')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @PROVIDER_PARAM
  @ApiOperation({
    operationId: 'oidc_start',
    summary: 'Begin signing in with a provider: redirects to it (authorization code, PKCE S256, state, nonce)',
  })
  @ApiFoundResponse({ description: "To the provider's authorization endpoint; sets the cookie that ties the flow to this browser" })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.RETURN_URL_NOT_ALLOWED, ErrorCode.PROVIDER_NOT_FOUND, ErrorCode.PROVIDER_UNAVAILABLE)
  async start(
    @Param('provider') provider: string,
    @Query() query: StartQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: CookieReply,
  ): Promise<{ url: string; statusCode: number }> {
    const binding = browserBinding(request);
    const url = await this.signIn.start(provider, query.returnTo, { purpose: 'login', browserBinding: binding });
    reply.header('set-cookie', bindingCookie(binding));
    return { url, statusCode: HttpStatus.FOUND };
  }

  @Public()
  @RateLimited()
  @Get(':provider/callback')
  @Redirect()
  // The redirect carries a login code: no cache keeps it, and the page it leads to sends no Referer with it.
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @PROVIDER_PARAM
  @ApiOperation({
    operationId: 'oidc_callback',
    summary: "The provider's redirect back: ends at `returnTo` with `?loginCode=` (or `?linked=`), or with `?error=<code>`",
    description:
      'Error codes in the redirect: `OIDC_STATE_INVALID` (unknown, used or expired state; to APP_URL when no flow is known), ' +
      '`OIDC_FAILED`, `ACCOUNT_EXISTS`, `IDENTITY_IN_USE`, `ACCOUNT_DISABLED`.',
  })
  @ApiFoundResponse({ description: 'To `returnTo` (default APP_URL) with `loginCode`, `linked` or `error` in the query' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.PROVIDER_NOT_FOUND)
  async callback(
    @Param('provider') provider: string,
    @Req() request: FastifyRequest,
    @Client() client: ClientInfo,
  ): Promise<{ url: string; statusCode: number }> {
    const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const query = (request.query ?? {}) as Record<string, unknown>;
    const url = await this.signIn.finish(provider, { query, rawQuery, browserBinding: presentedBinding(request) }, client);
    return { url, statusCode: HttpStatus.FOUND };
  }

  @Public()
  @RateLimited()
  @Post('exchange')
  @HttpCode(HttpStatus.OK)
  @IssuesTokens('A token pair, as a password login gives')
  @ApiOperation({ operationId: 'oidc_exchange', summary: 'Exchange the callback’s single-use loginCode for a session' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.LOGIN_CODE_INVALID, ErrorCode.ACCOUNT_DISABLED, ErrorCode.MFA_REQUIRED)
  async exchange(
    @Body() body: ExchangeDto,
    @Client() client: ClientInfo,
    @Transport() transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    return this.signIn.exchange(body.loginCode, client, transport);
  }

  @RequireRecentAuth()
  @Post(':provider/link')
  @HttpCode(HttpStatus.OK)
  @PROVIDER_PARAM
  @ApiOperation({
    operationId: 'oidc_link',
    summary: "Begin linking a provider's identity to the caller: send the browser to `authorizationUrl`",
    description: 'The callback ends at `returnTo` with `?linked=<provider>`, or `?error=IDENTITY_IN_USE` when it is another user’s.',
  })
  @ApiOkResponse({ type: AuthorizationUrlDto, description: "The provider's authorization URL for this link flow" })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.RETURN_URL_NOT_ALLOWED, ErrorCode.PROVIDER_NOT_FOUND, ErrorCode.PROVIDER_UNAVAILABLE)
  async link(@Param('provider') provider: string, @Body() body: LinkDto, @CurrentUser() caller: AuthUser): Promise<AuthorizationUrlDto> {
    return { authorizationUrl: await this.signIn.start(provider, body.returnTo, { purpose: 'link', userId: caller.userId }) };
  }
}

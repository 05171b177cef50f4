import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { AuthUser, CurrentUser, Public } from '../common/auth';
import { createValidationPipe } from '../common/validation/validation.pipe';
import { AuthService } from './auth.service';
import { BrowserSessions } from './browser/browser-sessions.service';
import { CookieSessionDto } from './browser/dto/cookie-session.dto';
import { CookieReply, IssuesTokens, TokenTransport, Transport } from './browser/token-transport';
import { AuthenticatedUser } from './authenticated-user';
import { Client } from '../common/http/client-info';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { RateLimited } from './rate-limit/rate-limited.decorator';
import { SignIn } from './sign-in.service';
import { ClientInfo } from '../sessions/session.types';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  /** The refresh body is validated here, not by the global pipe: no body at all means the refresh cookie. */
  private readonly refreshBody = createValidationPipe();

  constructor(
    private readonly auth: AuthService,
    private readonly browser: BrowserSessions,
    private readonly signIn: SignIn,
  ) {}

  @Public()
  @RateLimited()
  @Post('register')
  @ApiOperation({ operationId: 'auth_register', summary: 'Create an account with the role "user"' })
  @ApiCreatedResponse({ type: UserResponseDto, description: 'The new user; log in next' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.MALFORMED_JSON, ErrorCode.USER_EXISTS)
  register(@Body() input: RegisterDto, @Client() client: ClientInfo): Promise<UserResponseDto> {
    return this.auth.register(input, client);
  }

  @Public()
  @RateLimited(LocalAuthGuard)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @IssuesTokens('A token pair; send `accessToken` as `Authorization: Bearer …`')
  @ApiOperation({
    operationId: 'auth_login',
    summary: 'Log in with username (or email) and password; opens a session',
    description:
      'A user with a second factor gets 401 `MFA_REQUIRED` instead, with `mfaToken`, `methods` and `expiresIn` in the body: ' +
      'finish at POST /auth/mfa/verify.',
  })
  @ApiBody({ type: LoginDto })
  @ApiErrors(
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.INVALID_CREDENTIALS,
    ErrorCode.MFA_REQUIRED,
    ErrorCode.ACCOUNT_DISABLED,
    ErrorCode.EMAIL_NOT_VERIFIED,
  )
  login(
    @Req() request: { user: AuthenticatedUser },
    @Client() client: ClientInfo,
    @Transport() transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    // Only a user without a second factor gets here: the others were answered MFA_REQUIRED by the credential check.
    return this.signIn.open(request.user, client, { amr: ['pwd'], secondFactor: false, via: 'password' }, transport);
  }

  @Public()
  @RateLimited()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @IssuesTokens('The next token pair; the refresh token sent is spent')
  @ApiOperation({
    operationId: 'auth_refresh',
    summary: 'Spend a refresh token for a new token pair in the same session',
    description:
      'With no body, spends the refresh cookie instead (cookie mode; `X-CSRF-Token` required) and answers in cookies. ' +
      'The token spent last, shown again within `REFRESH_REUSE_GRACE_SECONDS`, gets the same successor (concurrent tabs).',
  })
  @ApiBody({ type: RefreshDto, required: false })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.REFRESH_TOKEN_INVALID, ErrorCode.REFRESH_TOKEN_REUSED, ErrorCode.CSRF_FAILED)
  async refresh(
    @Req() request: FastifyRequest,
    @Client() client: ClientInfo,
    @Transport() transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    const spend = (refreshToken: string) => this.auth.refresh(refreshToken, client);
    if (request.body === undefined) return this.browser.refreshFromCookie(request, transport, spend);
    const body = (await this.refreshBody.transform(request.body, { type: 'body', metatype: RefreshDto })) as RefreshDto;
    return this.browser.answer(transport, await spend(body.refreshToken));
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_logout', summary: 'End this session: its access and refresh tokens stop working' })
  @ApiNoContentResponse({ description: 'Logged out' })
  async logout(
    @CurrentUser() caller: AuthUser,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: CookieReply,
  ): Promise<void> {
    await this.auth.logout(caller, client);
    if (caller.via === 'cookie') this.browser.clear(reply);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_logout_all', summary: 'End every session of the caller' })
  @ApiNoContentResponse({ description: 'Logged out everywhere' })
  async logoutAll(
    @CurrentUser() caller: AuthUser,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: CookieReply,
  ): Promise<void> {
    await this.auth.logoutEverywhere(caller, client);
    if (caller.via === 'cookie') this.browser.clear(reply);
  }

  @Get('me')
  @ApiOperation({ operationId: 'auth_me', summary: 'The caller' })
  @ApiOkResponse({ type: UserResponseDto, description: 'The user of the access token' })
  // The caller comes off the request rather than through @CurrentUser(): Nest runs the global ValidationPipe over every
  // custom parameter, which costs the busiest guarded route a chain of promises per request for nothing.
  me(@Req() request: { user: AuthUser }): UserResponseDto | Promise<UserResponseDto> {
    return this.auth.me(request.user);
  }

  @Patch('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_change_password', summary: 'Change the password; keeps this session and ends the others' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.INVALID_CREDENTIALS)
  changePassword(@CurrentUser() caller: AuthUser, @Body() change: ChangePasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.changePassword(caller, change, client);
  }
}

import { Body, Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../../common/auth';
import { Client, ClientInfo } from '../../common/http/client-info';
import { ErrorCode } from '../../common/errors';
import { ApiErrors } from '../../common/openapi';
import { BrowserSessions } from '../browser/browser-sessions.service';
import { CsrfCarrier } from '../browser/csrf.service';
import { CookieSessionDto } from '../browser/dto/cookie-session.dto';
import { REFRESH_COOKIE, readCookie } from '../browser/session-cookies';
import { IssuesTokens, TokenTransport, Transport } from '../browser/token-transport';
import { TokenPairDto } from '../dto/token-pair.dto';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { StepUpDto } from './dto/step-up.dto';
import { StepUpService } from './step-up.service';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class StepUpController {
  constructor(
    private readonly stepUps: StepUpService,
    private readonly browser: BrowserSessions,
  ) {}

  @RateLimited()
  @Post('step-up')
  @HttpCode(HttpStatus.OK)
  @IssuesTokens('A new token pair for the same session, `auth_time` now; the refresh token it replaces is spent')
  @ApiOperation({
    operationId: 'auth_step_up',
    summary: 'Re-authenticate this session (RFC 9470) for the routes that need a recent login',
    description:
      'Send exactly one of `password` (users without a second factor), `code`, `recoveryCode` or `passkey`. A second factor on top of ' +
      "the session's password gives `amr` `mfa`. The session's refresh token is rotated; access tokens already issued stay valid until they expire.",
  })
  @ApiErrors(
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.MFA_CODE_INVALID,
    ErrorCode.INVALID_CREDENTIALS,
    ErrorCode.PASSKEY_INVALID,
    ErrorCode.MFA_UNAVAILABLE,
  )
  async stepUp(
    @CurrentUser() caller: AuthUser,
    @Body() proof: StepUpDto,
    @Req() request: CsrfCarrier,
    @Transport() transport: TokenTransport,
    @Client() client: ClientInfo,
  ): Promise<TokenPairDto | CookieSessionDto> {
    // The refresh cookie travels to every /api/v1/auth route: with it at hand, the token it replaces keeps its grace window.
    const cookie = readCookie(request, REFRESH_COOKIE);
    const pair = await this.stepUps.stepUp(caller, proof, client, 'value' in cookie ? cookie.value : undefined);
    // A cookie-authenticated page must not receive its tokens in a body its scripts can read.
    return this.browser.answer(caller.via === 'cookie' ? { ...transport, mode: 'cookie' } : transport, pair);
  }
}

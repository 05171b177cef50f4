import { Body, Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { IssuesTokens, TokenTransport, Transport } from '../auth/browser/token-transport';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { RateLimited } from '../auth/rate-limit/rate-limited.decorator';
import { AuthUser, Public } from '../common/auth';
import { ErrorCode } from '../common/errors';
import { Client, ClientInfo } from '../common/http/client-info';
import { ApiErrors } from '../common/openapi';
import { AuthenticationOptionsDto } from './dto/authentication-options.dto';
import { AuthenticationVerifyDto } from './dto/authentication-verify.dto';
import { PasskeySignInService } from './passkey-sign-in.service';

/** Signing in with a passkey, passwordless or as a login's second step. */
@ApiTags('passkeys')
@Controller({ path: 'auth/passkeys/authentication', version: '1' })
export class PasskeyLoginController {
  constructor(private readonly signIns: PasskeySignInService) {}

  /** Public; with the caller's session (bearer or cookie) and no mfaToken, the options are for POST /auth/step-up. */
  @Public({ tokenOptional: true })
  @RateLimited()
  @Post('options')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'passkeys_authentication_options',
    summary: "Options for navigator.credentials.get() (@simplewebauthn/browser's startAuthentication)",
    description:
      '`{}`: a passwordless login, `allowCredentials` empty so the browser offers its passkeys (conditional UI too), user verification required. ' +
      "`{ mfaToken }`: the second step of that login, the user's passkeys only. Sent with an access token and no mfaToken: a step-up of that session.",
  })
  @ApiOkResponse({ description: 'PublicKeyCredentialRequestOptionsJSON', schema: { type: 'object', additionalProperties: true } })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.MFA_TOKEN_INVALID, ErrorCode.PASSKEY_NOT_FOUND)
  options(@Body() input: AuthenticationOptionsDto, @Req() request: { user?: AuthUser }): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.signIns.options(input.mfaToken, request.user);
  }

  @Public()
  @RateLimited()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @IssuesTokens('A token pair: `amr` `["hwk","user","mfa"]` passwordless, `["pwd","hwk",("user"),"mfa"]` after a password')
  @ApiOperation({
    operationId: 'passkeys_authentication_verify',
    summary: 'Sign in with the assertion of a passkey (with the mfaToken when it is the second step of a login)',
  })
  @ApiErrors(
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.PASSKEY_INVALID,
    ErrorCode.MFA_TOKEN_INVALID,
    ErrorCode.ACCOUNT_DISABLED,
    ErrorCode.EMAIL_NOT_VERIFIED,
  )
  verify(
    @Body() input: AuthenticationVerifyDto,
    @Client() client: ClientInfo,
    @Transport() transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    return this.signIns.verify(input.response, input.mfaToken, client, transport);
  }
}

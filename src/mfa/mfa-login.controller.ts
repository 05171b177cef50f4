import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CookieSessionDto } from '../auth/browser/dto/cookie-session.dto';
import { IssuesTokens, TokenTransport, Transport } from '../auth/browser/token-transport';
import { Client } from '../auth/decorators/client-info.decorator';
import { TokenPairDto } from '../auth/dto/token-pair.dto';
import { RateLimited } from '../auth/rate-limit/rate-limited.decorator';
import { Public } from '../common/auth';
import { ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { ClientInfo } from '../sessions/session.types';
import { MfaVerifyDto } from './dto/mfa-verify.dto';
import { MfaLoginService } from './mfa-login.service';

@ApiTags('mfa')
@Controller({ path: 'auth/mfa', version: '1' })
export class MfaLoginController {
  constructor(private readonly logins: MfaLoginService) {}

  /** Public to the token guard: the mfaToken in the body is what authenticates it (and nothing else takes one). */
  @Public()
  @RateLimited()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @IssuesTokens('A token pair, `amr` `["pwd","otp","mfa"]`')
  @ApiOperation({
    operationId: 'mfa_verify',
    summary: 'Finish a login that answered MFA_REQUIRED: the mfaToken and a TOTP code or a recovery code open the session',
    description: 'Send `code` or `recoveryCode`, not both. Each mfaToken takes five tries; wrong codes count toward the account lockout.',
  })
  @ApiErrors(
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.MFA_CODE_INVALID,
    ErrorCode.MFA_TOKEN_INVALID,
    ErrorCode.ACCOUNT_DISABLED,
    ErrorCode.MFA_UNAVAILABLE,
  )
  verify(
    @Body() input: MfaVerifyDto,
    @Client() client: ClientInfo,
    @Transport() transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    return this.logins.verify(input, client, transport);
  }
}

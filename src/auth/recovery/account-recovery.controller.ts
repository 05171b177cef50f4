import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors';
import { ApiErrors } from '../../common/openapi';
import { AuthUser, CurrentUser, Public } from '../../common/auth';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { ForgotPasswordDto } from './dto/forgot-password.dto';
import { ResetPasswordDto } from './dto/reset-password.dto';
import { VerifyEmailDto } from './dto/verify-email.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';
import { Client, ClientInfo } from '../../common/http/client-info';

/** The one body of every forgot-password answer, so that it says nothing about the address. */
export const RESET_REQUESTED = { message: 'If an account has this address, a reset link is on its way' } as const;

/** Password reset and email verification by mailed link. */
@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AccountRecoveryController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Public()
  @RateLimited()
  @Post('password/forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'auth_password_forgot', summary: 'Mail a password-reset link, if the address has an account' })
  @ApiAcceptedResponse({ description: 'Always this answer, known address or not; the link works once, for 30 minutes' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED)
  forgot(@Body() body: ForgotPasswordDto, @Client() client: ClientInfo): typeof RESET_REQUESTED {
    this.resets.requestReset(body.email, client);
    return RESET_REQUESTED;
  }

  @Public()
  @RateLimited()
  @Post('password/reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_password_reset', summary: 'Set a new password with a mailed token; ends every session' })
  @ApiNoContentResponse({ description: 'Password set; every session ended; any login lock cleared' })
  @ApiErrors(ErrorCode.RESET_TOKEN_INVALID, ErrorCode.VALIDATION_FAILED)
  reset(@Body() body: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.resets.reset(body.token, body.newPassword, client);
  }

  @Public()
  @RateLimited()
  @Post('email/verify')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'auth_email_verify', summary: 'Confirm an address with a mailed token' })
  @ApiNoContentResponse({ description: 'The address is verified' })
  @ApiErrors(ErrorCode.VERIFY_TOKEN_INVALID, ErrorCode.VALIDATION_FAILED)
  verify(@Body() body: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    return this.verification.verify(body.token, client);
  }

  @RateLimited()
  @Post('email/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'auth_email_resend', summary: "Mail a new verification link to the caller's address" })
  @ApiAcceptedResponse({ description: 'A link is on its way, unless the address is already verified' })
  resend(@CurrentUser() caller: AuthUser): Promise<void> {
    return this.verification.resend(caller.userId);
  }
}

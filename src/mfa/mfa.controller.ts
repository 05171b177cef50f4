import { Body, Controller, Delete, Get, Header, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, RequireRecentAuth } from '../common/auth';
import { ErrorCode } from '../common/errors';
import { Client, ClientInfo } from '../common/http/client-info';
import { ApiErrors } from '../common/openapi';
import { ConfirmTotpDto } from './dto/confirm-totp.dto';
import { MfaStatusDto } from './dto/mfa-status.dto';
import { RecoveryCodesDto } from './dto/recovery-codes.dto';
import { TotpEnrolmentDto } from './dto/totp-enrolment.dto';
import { MfaService } from './mfa.service';

@ApiTags('mfa')
@Controller({ path: 'auth/mfa', version: '1' })
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Get()
  @ApiOperation({ operationId: 'mfa_status', summary: "The caller's second factors" })
  @ApiOkResponse({ type: MfaStatusDto, description: 'Which factors are on' })
  status(@CurrentUser() caller: AuthUser): Promise<MfaStatusDto> {
    return this.mfa.status(caller.userId);
  }

  @Post('totp')
  @RequireRecentAuth()
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'mfa_totp_enrol',
    summary: 'Start a TOTP enrolment: a new secret, its otpauth:// URI and QR code; pending until confirmed',
    description: 'A pending enrolment is replaced by a new one.',
  })
  @ApiOkResponse({ type: TotpEnrolmentDto, description: 'Scan the QR code, then confirm with a code' })
  @ApiErrors(ErrorCode.MFA_ALREADY_ENABLED, ErrorCode.MFA_UNAVAILABLE)
  enrol(@CurrentUser() caller: AuthUser): Promise<TotpEnrolmentDto> {
    return this.mfa.enrolTotp(caller);
  }

  @Post('totp/confirm')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'mfa_totp_confirm',
    summary: "Turn TOTP on with a code of the pending secret; answers the recovery codes once and ends the caller's other sessions",
  })
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'TOTP is on; the recovery codes are shown this once' })
  @ApiErrors(
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.MFA_CODE_INVALID,
    ErrorCode.MFA_ALREADY_ENABLED,
    ErrorCode.MFA_NOT_ENABLED,
    ErrorCode.MFA_UNAVAILABLE,
  )
  confirm(@CurrentUser() caller: AuthUser, @Body() input: ConfirmTotpDto, @Client() client: ClientInfo): Promise<RecoveryCodesDto> {
    return this.mfa.confirmTotp(caller, input.code, client);
  }

  @Delete('totp')
  @RequireRecentAuth()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'mfa_totp_disable',
    summary: "Turn TOTP off: the secret and recovery codes go, the caller's other sessions end",
  })
  @ApiNoContentResponse({ description: 'TOTP is off' })
  @ApiErrors(ErrorCode.MFA_NOT_ENABLED)
  async disable(@CurrentUser() caller: AuthUser, @Client() client: ClientInfo): Promise<void> {
    await this.mfa.disableTotp(caller, client);
  }

  @Post('recovery-codes')
  @RequireRecentAuth()
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ operationId: 'mfa_recovery_codes', summary: 'A new set of recovery codes; the old ones stop working' })
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'Shown this once' })
  @ApiErrors(ErrorCode.MFA_NOT_ENABLED)
  replaceRecoveryCodes(@CurrentUser() caller: AuthUser, @Client() client: ClientInfo): Promise<RecoveryCodesDto> {
    return this.mfa.replaceRecoveryCodes(caller, client);
  }
}

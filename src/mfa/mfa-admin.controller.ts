import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { Client, ClientInfo } from '../common/http/client-info';
import { ApiErrors } from '../common/openapi';
import { UserRole } from '../users/user-role';
import { MfaStatusDto } from './dto/mfa-status.dto';
import { MfaService } from './mfa.service';

const uuid = new ParseUUIDPipe({ version: undefined, exceptionFactory: () => AppException.validation(['id must be a UUID']) });

@ApiTags('users')
@Controller({ path: 'users', version: '1' })
@Roles(UserRole.Admin)
export class MfaAdminController {
  constructor(private readonly mfa: MfaService) {}

  @Get(':id/mfa')
  @ApiOperation({ operationId: 'users_mfa_status', summary: 'Whether a user has second factors (never a secret)' })
  @ApiOkResponse({ type: MfaStatusDto, description: "The user's factors" })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND)
  status(@Param('id', uuid) id: string): Promise<MfaStatusDto> {
    return this.mfa.statusOf(id);
  }

  @Delete(':id/mfa')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'users_mfa_reset',
    summary: "Remove a user's TOTP and recovery codes (locked out of their second factor); their sessions end",
  })
  @ApiNoContentResponse({ description: 'Reset' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND)
  async reset(@Param('id', uuid) id: string, @CurrentUser() admin: AuthUser, @Client() client: ClientInfo): Promise<void> {
    await this.mfa.reset(id, admin.userId, client);
  }
}

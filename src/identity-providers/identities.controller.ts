import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { Client, ClientInfo } from '../common/http/client-info';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, RequireRecentAuth } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { LinkedIdentityDto } from '../users/dto/linked-identity.dto';
import { LinkedIdentitiesService } from './linked-identities.service';

@ApiTags('identity providers')
@Controller({ path: 'auth/identities', version: '1' })
export class IdentitiesController {
  constructor(private readonly identities: LinkedIdentitiesService) {}

  @Get()
  @ApiOperation({ operationId: 'identities_list', summary: "The caller's linked identity-provider accounts" })
  @ApiOkResponse({ type: [LinkedIdentityDto], description: 'Oldest first' })
  list(@CurrentUser() caller: AuthUser): Promise<LinkedIdentityDto[]> {
    return this.identities.listFor(caller.userId);
  }

  @RequireRecentAuth()
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'identities_unlink', summary: 'Unlink one of the caller’s identities (never the last way to sign in)' })
  @ApiNoContentResponse({ description: 'Unlinked' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.IDENTITY_NOT_FOUND, ErrorCode.LAST_LOGIN_METHOD)
  unlink(
    @CurrentUser() caller: AuthUser,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => AppException.validation(['id must be a UUID']) })) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.identities.unlink(caller.userId, id, client);
  }
}

import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppException, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { AuthUser, CurrentUser } from '../common/auth';
import { Client } from '../common/http/client-info';
import { ClientInfo } from './session.types';
import { SessionResponseDto } from './session-response.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller({ path: 'auth/sessions', version: '1' })
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ operationId: 'sessions_list', summary: "The caller's live sessions; `current` marks this one" })
  @ApiOkResponse({ type: [SessionResponseDto], description: 'Live sessions, most recently used first' })
  list(@CurrentUser() caller: AuthUser): Promise<SessionResponseDto[]> {
    return this.sessions.listForUser(caller.userId, caller.sessionId);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'sessions_revoke', summary: "End one of the caller's sessions" })
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.SESSION_NOT_FOUND)
  revoke(
    @CurrentUser() caller: AuthUser,
    @Client() client: ClientInfo,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => AppException.validation(['id must be a UUID']) })) id: string,
  ): Promise<void> {
    return this.sessions.revokeOwn(caller.userId, id, client);
  }
}

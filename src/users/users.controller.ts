import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { SessionResponseDto } from '../sessions/session-response.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserDetailResponseDto } from './dto/user-detail-response.dto';
import { UserPageDto } from './dto/user-page.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { LinkedIdentities } from './linked-identities.port';
import { UserRole } from './user-role';
import { UsersService } from './users.service';
import { Client, ClientInfo } from '../common/http/client-info';

const uuid = new ParseUUIDPipe({ version: undefined, exceptionFactory: () => AppException.validation(['id must be a UUID']) });

@ApiTags('users')
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly identities: LinkedIdentities,
  ) {}

  @Get()
  @Roles(UserRole.Admin)
  @ApiOperation({ operationId: 'users_list', summary: 'List users, a page at a time, optionally by name or email prefix' })
  @ApiOkResponse({ type: UserPageDto, description: 'One page of users, oldest first' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED)
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'users_get', summary: 'Read one user (admins: anyone; users: themselves)' })
  @ApiOkResponse({ type: UserDetailResponseDto, description: 'The user, with the identity-provider accounts they sign in with' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.FORBIDDEN, ErrorCode.USER_NOT_FOUND)
  async get(@Param('id', uuid) id: string, @CurrentUser() caller: AuthUser): Promise<UserDetailResponseDto> {
    if (id !== caller.userId && !caller.roles.includes(UserRole.Admin)) {
      throw new AppException(ErrorCode.FORBIDDEN, 'You may only read your own user');
    }
    const [user, identities] = await Promise.all([this.users.getProfile(id), this.identities.listFor(id)]);
    return { ...user, identities };
  }

  @Patch(':id')
  @Roles(UserRole.Admin)
  @ApiOperation({
    operationId: 'users_update',
    summary: 'Change roles, disable or change email; a role change or disabling ends their sessions',
  })
  @ApiOkResponse({ type: UserResponseDto, description: 'The user as changed' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND, ErrorCode.USER_EXISTS)
  update(
    @Param('id', uuid) id: string,
    @Body() changes: UpdateUserDto,
    @CurrentUser() caller: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<UserResponseDto> {
    return this.users.update(id, changes, caller.userId, client);
  }

  @Get(':id/sessions')
  @Roles(UserRole.Admin)
  @ApiOperation({ operationId: 'users_sessions', summary: "A user's live sessions, most recently used first" })
  @ApiOkResponse({ type: SessionResponseDto, isArray: true, description: 'Their sessions' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND)
  sessions(@Param('id', uuid) id: string): Promise<SessionResponseDto[]> {
    return this.users.sessionsOf(id);
  }

  @Delete(':id/sessions')
  @Roles(UserRole.Admin)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'users_end_sessions', summary: 'End every session of a user; their tokens stop working at once' })
  @ApiNoContentResponse({ description: 'Their sessions are ended' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND)
  async endSessions(@Param('id', uuid) id: string, @CurrentUser() caller: AuthUser, @Client() client: ClientInfo): Promise<void> {
    await this.users.endSessions(id, caller.userId, client);
  }

  @Delete(':id')
  @Roles(UserRole.Admin)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'users_delete', summary: 'Delete a user; their tokens stop working at once' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND)
  async remove(@Param('id', uuid) id: string, @CurrentUser() caller: AuthUser, @Client() client: ClientInfo): Promise<void> {
    await this.users.remove(id, caller.userId, client);
  }
}

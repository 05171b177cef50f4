import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/auth';
import { ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/openapi';
import { UserRole } from '../users/user-role';
import { AuditQueryService } from './audit-query.service';
import { AuditEventPageDto } from './dto/audit-event-page.dto';
import { AuditEventsQueryDto, OwnAuditEventsQueryDto } from './dto/audit-events-query.dto';

/** Reading the trail; no route changes or deletes an event. */
@ApiTags('audit')
@Controller({ version: '1' })
export class AuditEventsController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get('audit-events')
  @Roles(UserRole.Admin)
  @ApiOperation({ operationId: 'audit_events_list', summary: 'The audit trail, newest first, filtered and a page at a time' })
  @ApiOkResponse({ type: AuditEventPageDto, description: 'One page; pass `nextCursor` as `cursor` for the next' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, 403)
  list(@Query() query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.audit.list(query);
  }

  @Get('auth/events')
  @ApiOperation({ operationId: 'auth_events', summary: "The caller's own recent security events, newest first" })
  @ApiOkResponse({ type: AuditEventPageDto, description: 'One page; pass `nextCursor` as `cursor` for the next' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED)
  own(@CurrentUser() caller: AuthUser, @Query() query: OwnAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.audit.listOwn(caller.userId, query);
  }
}

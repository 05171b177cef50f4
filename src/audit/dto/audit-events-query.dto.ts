import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_EVENT_TYPES, type AuditEventType } from '../audit-event-type';

/** `?limit=&cursor=` of the caller's own events. */
export class OwnAuditEventsQueryDto {
  /** At most 100 per page. */
  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;

  /** The `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** The admin's filters; `since` is inclusive, `until` exclusive. */
export class AuditEventsQueryDto extends OwnAuditEventsQueryDto {
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES })
  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES)
  type?: AuditEventType;

  /** ISO-8601, e.g. 2026-01-31T00:00:00Z. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  since?: string;

  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  until?: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_EVENT_TYPES } from '../audit-event-type';

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: AUDIT_EVENT_TYPES })
  type!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  /** Who did it: the user themself, an admin, or null when anonymous. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  actorId!: string | null;

  /** The account it is about. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;

  /** The X-Request-Id of the request that caused it. */
  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;

  @ApiProperty({ enum: ['success', 'failure'] })
  outcome!: string;

  /** Non-secret facts: `{ method }` of a login, `{ changes }` of an admin's edit. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
}

export class AuditEventPageDto {
  /** Newest first. */
  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];

  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

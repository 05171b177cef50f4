import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { deriveKey, type KeyRing } from '../auth/tokens/key-ring';
import { KEY_RING } from '../auth/tokens/tokens.service';
import { AppException } from '../common/errors';
import { AuditCursors, AuditPosition } from './audit-cursor';
import { toAuditEvent } from './audit-event';
import { AuditEventRow } from './audit-event.entity';
import { AuditEventPageDto } from './dto/audit-event-page.dto';
import { AuditEventsQueryDto, OwnAuditEventsQueryDto } from './dto/audit-events-query.dto';

export interface AuditFilters {
  userId?: string;
  type?: string;
  since?: Date;
  until?: Date;
}

/** Reads the trail newest first, a keyset page at a time, so a page deep in a million rows costs what the first does. */
@Injectable()
export class AuditQueryService {
  private readonly cursors: AuditCursors;

  constructor(
    @InjectRepository(AuditEventRow) private readonly events: Repository<AuditEventRow>,
    @Inject(KEY_RING) keys: KeyRing,
  ) {
    this.cursors = new AuditCursors(deriveKey(keys, 'gatehouse audit cursor v1'));
  }

  /** Any user's events, for an admin. */
  list(query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    const filters: AuditFilters = {
      userId: query.userId,
      type: query.type,
      since: parseTime(query.since, 'since'),
      until: parseTime(query.until, 'until'),
    };
    const scope = JSON.stringify(['all', query.userId, query.type, query.since, query.until]);
    return this.page(filters, query, scope);
  }

  /** Events about the caller ("own": `userId` is the caller); nothing in the query can widen that. */
  listOwn(userId: string, query: OwnAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.page({ userId }, query, JSON.stringify(['own', userId]));
  }

  private async page(filters: AuditFilters, { limit, cursor }: OwnAuditEventsQueryDto, scope: string): Promise<AuditEventPageDto> {
    const after = cursor === undefined ? undefined : this.cursors.read(cursor, scope);
    if (cursor !== undefined && !after) throw AppException.validation(['cursor is not one this query issued']);
    const query = pageQuery(this.events, filters, after, limit);
    const rows = await query.getMany();
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last ? this.cursors.issue({ at: last.at, id: last.id }, scope) : null;
    return { items: items.map(toAuditEvent), nextCursor };
  }
}

/** The validator checked the format; a form Date cannot read (a week date, say) is refused the same way. */
function parseTime(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw AppException.validation([`${name} must be an ISO-8601 date and time`]);
  return time;
}

/** One page's query, newest first: `limit + 1` rows, so that the extra one tells whether another page follows. */
export function pageQuery(
  events: Repository<AuditEventRow>,
  filters: AuditFilters,
  after: AuditPosition | undefined,
  limit: number,
): SelectQueryBuilder<AuditEventRow> {
  const query = events
    .createQueryBuilder('e')
    .orderBy('e.at', 'DESC')
    .addOrderBy('e.id', 'DESC')
    .limit(limit + 1);
  if (filters.userId) query.andWhere('e.user_id = :userId', { userId: filters.userId });
  if (filters.type) query.andWhere('e.type = :type', { type: filters.type });
  if (filters.since) query.andWhere('e.at >= :since', { since: filters.since });
  if (filters.until) query.andWhere('e.at < :until', { until: filters.until });
  // `at <=` bounds the index range after any equality column (PostgreSQL cannot use a row comparison there); the
  // rest only breaks ties between events of the same millisecond.
  if (after) {
    query.andWhere('e.at <= :afterAt AND (e.at < :afterAt OR e.id < :afterId)', { afterAt: after.at, afterId: after.id });
  }
  return query;
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

/**
 * The audit trail and the webhook outbox. The (…, at, id) indexes serve the newest-first keyset pages of
 * GET /audit-events, whole or by user or by type, read backwards.
 */
export class AuditEvents1764002000000 implements MigrationInterface {
  name = 'AuditEvents1764002000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const uuid = columnType(queryRunner, 'uuid');
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'at', type: timestamp },
          { name: 'actor_id', type: uuid, isNullable: true },
          { name: 'user_id', type: uuid, isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'request_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'details', type: 'text' },
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_events_at_id', columnNames: ['at', 'id'] }),
          new TableIndex({ name: 'idx_audit_events_user_at_id', columnNames: ['user_id', 'at', 'id'] }),
          new TableIndex({ name: 'idx_audit_events_type_at_id', columnNames: ['type', 'at', 'id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_outbox',
        columns: [
          { name: 'event_id', type: uuid, isPrimary: true },
          { name: 'payload', type: 'text' },
          { name: 'attempts', type: 'integer', default: columnType.literal(queryRunner, 0) },
          { name: 'created_at', type: timestamp },
          { name: 'next_attempt_at', type: timestamp },
          { name: 'claim_token', type: 'varchar', length: '36', isNullable: true },
          { name: 'claimed_until', type: timestamp, isNullable: true },
          { name: 'delivered_at', type: timestamp, isNullable: true },
          { name: 'abandoned_at', type: timestamp, isNullable: true },
          { name: 'last_error', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_webhook_outbox_pending', columnNames: ['delivered_at', 'abandoned_at', 'next_attempt_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_outbox');
    await queryRunner.dropTable('audit_events');
  }
}

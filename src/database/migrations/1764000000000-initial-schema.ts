import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const uuid = columnType(queryRunner, 'uuid');
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'username', type: 'varchar', length: '32' },
          { name: 'username_normalized', type: 'varchar', length: '32', isUnique: true },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'email_normalized', type: 'varchar', length: '254', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '60' },
          { name: 'roles', type: 'text' },
          { name: 'email_verified', type: 'boolean', default: columnType.literal(queryRunner, false) },
          { name: 'disabled', type: 'boolean', default: columnType.literal(queryRunner, false) },
          { name: 'created_at', type: timestamp, default: columnType.now(queryRunner) },
          { name: 'updated_at', type: timestamp, default: columnType.now(queryRunner) },
        ],
      }),
    );
    // No foreign key to users: a session row is the durable record of a revocation and must outlive a deleted user.
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'user_id', type: uuid, isNullable: true },
          { name: 'refresh_token_hash', type: 'varchar', length: '64' },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'last_used_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'revoked_at', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_sessions_user_id', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_sessions_expires_at', columnNames: ['expires_at'] }),
          new TableIndex({ name: 'idx_sessions_revoked_at', columnNames: ['revoked_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sessions');
    await queryRunner.dropTable('users');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

export class LoginLockouts1764000100000 implements MigrationInterface {
  name = 'LoginLockouts1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.createTable(
      new Table({
        name: 'login_lockouts',
        columns: [
          { name: 'key', type: 'varchar', length: '300', isPrimary: true },
          { name: 'failures', type: 'integer' },
          { name: 'locked_until', type: timestamp, isNullable: true },
          { name: 'last_failure_at', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_login_lockouts_last_failure_at', columnNames: ['last_failure_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('login_lockouts');
  }
}

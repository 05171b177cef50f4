import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

export class OneTimeTokens1764000200000 implements MigrationInterface {
  name = 'OneTimeTokens1764000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const uuid = columnType(queryRunner, 'uuid');
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.createTable(
      new Table({
        name: 'one_time_tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'purpose', type: 'varchar', length: '32' },
          { name: 'user_id', type: uuid },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_one_time_tokens_user_purpose', columnNames: ['user_id', 'purpose'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('one_time_tokens');
  }
}

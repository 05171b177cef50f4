import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

/** Second factors: TOTP authenticators, recovery codes, pending logins; and how each session authenticated. */
export class SecondFactors1764001700000 implements MigrationInterface {
  name = 'SecondFactors1764001700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const uuid = columnType(queryRunner, 'uuid');
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.addColumns('sessions', [
      new TableColumn({ name: 'auth_time', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'amr', type: 'varchar', length: '64', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'mfa_totp',
        columns: [
          { name: 'user_id', type: uuid, isPrimary: true },
          { name: 'sealed_secret', type: 'varchar', length: '255' },
          { name: 'confirmed_at', type: timestamp, isNullable: true },
          { name: 'last_used_step', type: 'integer', isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_recovery_codes',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'user_id', type: uuid },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_mfa_recovery_codes_user_id', columnNames: ['user_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_challenges',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: uuid },
          { name: 'attempts', type: 'integer' },
          { name: 'first_factor', type: 'varchar', length: '16' },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_mfa_challenges_expires_at', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('mfa_challenges');
    await queryRunner.dropTable('mfa_recovery_codes');
    await queryRunner.dropTable('mfa_totp');
    await queryRunner.dropColumns('sessions', ['amr', 'auth_time']);
  }
}

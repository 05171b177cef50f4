import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

/** Passkeys (WebAuthn credentials: public keys and counters) and the challenges of their ceremonies. */
export class Passkeys1764002100000 implements MigrationInterface {
  name = 'Passkeys1764002100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const uuid = columnType(queryRunner, 'uuid');
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.createTable(
      new Table({
        name: 'passkeys',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'user_id', type: uuid },
          { name: 'credential_id', type: 'varchar', length: '1400' },
          { name: 'public_key', type: 'text' },
          { name: 'counter', type: 'bigint' },
          { name: 'transports', type: 'varchar', length: '255', isNullable: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'backed_up', type: 'boolean' },
          { name: 'device_type', type: 'varchar', length: '16' },
          { name: 'created_at', type: timestamp },
          { name: 'last_used_at', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_passkeys_user_id', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_passkeys_credential_id', columnNames: ['credential_id'], isUnique: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'passkey_challenges',
        columns: [
          { name: 'challenge_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'ceremony', type: 'varchar', length: '16' },
          { name: 'user_id', type: uuid, isNullable: true },
          { name: 'bound_to', type: 'varchar', length: '64', isNullable: true },
          { name: 'expires_at', type: timestamp },
          { name: 'created_at', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_passkey_challenges_expires_at', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('passkey_challenges');
    await queryRunner.dropTable('passkeys');
  }
}

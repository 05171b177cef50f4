import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columnType } from '../column-type';

/**
 * Sign-in through identity providers: linked identities, flows in progress, login codes; and users without a
 * password (created by a provider). On SQLite, making a column nullable rebuilds the table, which TypeORM does.
 */
export class IdentityProviders1764001800000 implements MigrationInterface {
  name = 'IdentityProviders1764001800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const uuid = columnType(queryRunner, 'uuid');
    const timestamp = columnType(queryRunner, Date);
    await queryRunner.changeColumn(
      'users',
      'password_hash',
      new TableColumn({ name: 'password_hash', type: 'varchar', length: '60', isNullable: true }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'linked_identities',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'user_id', type: uuid },
          { name: 'provider', type: 'varchar', length: '32' },
          { name: 'issuer', type: 'varchar', length: '512' },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [
          new TableIndex({ name: 'idx_linked_identities_issuer_subject', columnNames: ['issuer', 'subject'], isUnique: true }),
          new TableIndex({ name: 'idx_linked_identities_user_id', columnNames: ['user_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'oidc_flows',
        columns: [
          { name: 'state_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'provider', type: 'varchar', length: '32' },
          { name: 'purpose', type: 'varchar', length: '8' },
          { name: 'user_id', type: uuid, isNullable: true },
          { name: 'nonce', type: 'varchar', length: '64' },
          { name: 'code_verifier', type: 'varchar', length: '128' },
          { name: 'browser_binding', type: 'varchar', length: '64', isNullable: true },
          { name: 'return_to', type: 'varchar', length: '2048' },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_oidc_flows_expires_at', columnNames: ['expires_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'oidc_login_codes',
        columns: [
          { name: 'code_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: uuid },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_oidc_login_codes_expires_at', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('oidc_login_codes');
    await queryRunner.dropTable('oidc_flows');
    await queryRunner.dropTable('linked_identities');
    // Users created by a provider have no password: they cannot survive the way back, and nothing else can sign them in.
    await queryRunner.manager.createQueryBuilder().delete().from('users').where('password_hash IS NULL').execute();
    await queryRunner.changeColumn(
      'users',
      'password_hash',
      new TableColumn({ name: 'password_hash', type: 'varchar', length: '60', isNullable: false }),
    );
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columnType } from '../column-type';

/** The grace window of concurrent refreshes: the token spent last, when, and its successor sealed under it. */
export class RefreshGrace1764001600000 implements MigrationInterface {
  name = 'RefreshGrace1764001600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sessions', [
      new TableColumn({ name: 'previous_refresh_token_hash', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'rotated_at', type: columnType(queryRunner, Date), isNullable: true }),
      new TableColumn({ name: 'sealed_successor', type: 'varchar', length: '255', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('sessions', ['sealed_successor', 'rotated_at', 'previous_refresh_token_hash']);
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Whether a session's user has a second factor, so a refresh reads it with the session rather than asking every
 * second-factor table. Null for sessions opened before: their refresh asks, as before.
 */
export class SessionSecondFactor1764002200000 implements MigrationInterface {
  name = 'SessionSecondFactor1764002200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('sessions', new TableColumn({ name: 'second_factor', type: 'boolean', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sessions', 'second_factor');
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * The user's name and roles on each session, as of its opening, so a refresh reads them with the session rather than
 * from the users table. Null for sessions opened before: their refresh reads the user, as before.
 */
export class SessionSubject1764002300000 implements MigrationInterface {
  name = 'SessionSubject1764002300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sessions', [
      new TableColumn({ name: 'username', type: 'varchar', length: '32', isNullable: true }),
      new TableColumn({ name: 'roles', type: 'text', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('sessions', ['username', 'roles']);
  }
}

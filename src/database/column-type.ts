import { ColumnType, QueryRunner } from 'typeorm';

/**
 * The database's own name for a portable column type (`uuid` is `uuid` on PostgreSQL and `varchar` on SQLite;
 * a date is `timestamp` or `datetime`), so one migration file serves both databases exactly as the entities map them.
 */
export function columnType(queryRunner: QueryRunner, type: ColumnType): string {
  return queryRunner.connection.driver.normalizeType({ type });
}

/** The current time as the database's column default. */
columnType.now = (queryRunner: QueryRunner): string => String(queryRunner.connection.driver.mappedDataTypes.createDateDefault);

/** A literal default as the database writes it (`false` is `0` on SQLite), so generated migrations see no drift. */
columnType.literal = (queryRunner: QueryRunner, value: boolean | number): string =>
  queryRunner.connection.driver.normalizeDefault({ default: value } as Parameters<
    QueryRunner['connection']['driver']['normalizeDefault']
  >[0])!;

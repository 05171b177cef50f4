import { ObjectLiteral, Repository } from 'typeorm';

type ColumnMetadata = Repository<ObjectLiteral>['metadata']['columns'][number];

/**
 * The pieces of a hand-written statement on one entity's table, in the connected database's own dialect: for the few
 * statements of a hot flow (a refresh), written once at start-up, where TypeORM's query builder would spend more on
 * building the SQL than the database spends running it. Values go in and come back through the driver's own
 * conversions (dates, booleans, arrays), so they are stored and read exactly as the repository stores and reads them.
 */
export class TableSql<T extends ObjectLiteral> {
  private readonly columns = new Map<string, ColumnMetadata>();

  constructor(private readonly repository: Repository<T>) {
    for (const column of repository.metadata.columns) this.columns.set(column.propertyName, column);
  }

  private get driver() {
    return this.repository.manager.connection.driver;
  }

  /** The table's name with its schema when one is configured (PostgreSQL), quoted as TypeORM's query builder quotes it. */
  get table(): string {
    return this.repository.metadata.tablePath
      .split('.')
      .map((part) => this.driver.escape(part))
      .join('.');
  }

  /** A field's column name, quoted. */
  column(field: keyof T & string): string {
    return this.driver.escape(this.columnOf(field).databaseName);
  }

  /** The placeholder of the statement's `index`-th parameter, counting from 0 (`$1` or `?`). */
  parameter(index: number): string {
    return this.driver.createParameter(`p${index}`, index);
  }

  /** A value as the driver writes it to a field's column. */
  value(field: keyof T & string, value: unknown): unknown {
    return this.driver.preparePersistentValue(value, this.columnOf(field));
  }

  /** The quoted column list of `fields`, for a SELECT or RETURNING, and the reader of a row of it. */
  reader<F extends keyof T & string>(fields: readonly F[]): { columns: string; read: (row: Record<string, unknown>) => Pick<T, F> } {
    const columns = fields.map((field) => this.columnOf(field));
    const { driver } = this;
    return {
      columns: columns.map((column) => driver.escape(column.databaseName)).join(', '),
      read: (row) => {
        const entity: Record<string, unknown> = {};
        for (const column of columns) entity[column.propertyName] = driver.prepareHydratedValue(row[column.databaseName], column);
        return entity as Pick<T, F>;
      },
    };
  }

  /** The rows a statement answered: PostgreSQL's query runner answers an UPDATE with [rows, count], SQLite's with the rows. */
  rowsOf(result: unknown, statement: 'select' | 'update'): Record<string, unknown>[] {
    const isPair = statement === 'update' && this.repository.manager.connection.driver.options.type === 'postgres';
    return (isPair ? (result as [unknown[], number])[0] : result) as Record<string, unknown>[];
  }

  private columnOf(field: string): ColumnMetadata {
    const column = this.columns.get(field);
    if (!column) throw new Error(`${this.repository.metadata.name} has no field ${field}`);
    return column;
  }
}

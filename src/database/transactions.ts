import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, ObjectLiteral, Repository } from 'typeorm';

interface OpenTransaction {
  manager: EntityManager;
  afterCommit: (() => void)[];
}

const current = new AsyncLocalStorage<OpenTransaction>();

/**
 * One database transaction around a change and the audit event that records it, without passing a manager through
 * every call: repositories read through `transactional()` use the transaction that is open in this async context.
 */
@Injectable()
export class Transactions {
  /**
   * better-sqlite3 is one connection, where TypeORM turns a second concurrent transaction into a savepoint of the
   * first: on SQLite transactions take turns instead.
   */
  private sqliteTurn: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in a transaction (or in the one already open). Callbacks of `afterCommit` run once it committed. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (current.getStore()) return work();
    const open: OpenTransaction = { manager: this.dataSource.manager, afterCommit: [] };
    const transaction = () =>
      this.dataSource.transaction((manager) => {
        open.manager = manager;
        return current.run(open, work);
      });
    const result = this.dataSource.options.type === 'better-sqlite3' ? await this.takeTurn(transaction) : await transaction();
    for (const callback of open.afterCommit) callback();
    return result;
  }

  private takeTurn<T>(transaction: () => Promise<T>): Promise<T> {
    const turn = this.sqliteTurn.then(transaction, transaction);
    this.sqliteTurn = turn.catch(() => undefined);
    return turn;
  }
}

/** The repository as seen by the open transaction, if any; otherwise `repository` itself. */
export function transactional<T extends ObjectLiteral>(repository: Repository<T>): Repository<T> {
  const open = current.getStore();
  return open ? open.manager.getRepository(repository.target) : repository;
}

/** Runs `callback` once the open transaction commits (never if it rolls back), or now when none is open. */
export function afterCommit(callback: () => void): void {
  const open = current.getStore();
  if (open) open.afterCommit.push(callback);
  else callback();
}

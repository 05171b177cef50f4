import { ConfigType } from '@nestjs/config';
import { DataSource, Repository } from 'typeorm';
import { AppException, ErrorCode } from '../../common/errors';
import { authConfig } from '../../config';
import { dataSourceOptions } from '../../database/data-source-options';
import { LoginLockout } from './login-lockout.entity';
import { LoginLockoutService } from './login-lockout.service';

const config = { loginMaxFailures: 3, loginLockSeconds: 60 } as ConfigType<typeof authConfig>;
const MINUTE = 60_000;

describe('LoginLockoutService', () => {
  let dataSource: DataSource;
  let rows: Repository<LoginLockout>;
  let lockout: LoginLockoutService;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions('sqlite::memory:')).initialize();
    await dataSource.runMigrations();
    rows = dataSource.getRepository(LoginLockout);
    lockout = new LoginLockoutService(rows, config);
  });
  afterAll(async () => {
    await dataSource.destroy();
  });
  beforeEach(async () => {
    await rows.clear();
  });

  async function codeOf(check: Promise<unknown>): Promise<ErrorCode | undefined> {
    try {
      await check;
      return undefined;
    } catch (error) {
      return error instanceof AppException ? error.code : undefined;
    }
  }

  it('locks a key at its LOGIN_MAX_FAILURES-th failure, with a Retry-After', async () => {
    const now = new Date();
    for (let i = 0; i < 2; i++) await lockout.recordFailure('name:eve', now);
    expect(await codeOf(lockout.assertNotLocked('name:eve', now))).toBeUndefined();
    await lockout.recordFailure('name:eve', now);
    const error = await lockout.assertNotLocked('name:eve', now).catch((e: AppException) => e);
    expect([(error as AppException).code, (error as AppException).headers['Retry-After']]).toEqual([ErrorCode.TOO_MANY_REQUESTS, '60']);
  });

  it('lets the key in again once the lock is over', async () => {
    const now = new Date();
    for (let i = 0; i < 3; i++) await lockout.recordFailure('name:eve', now);
    expect(await codeOf(lockout.assertNotLocked('name:eve', new Date(now.getTime() + 61_000)))).toBeUndefined();
  });

  it('forgets failures older than the lock window', async () => {
    const longAgo = new Date(Date.now() - 10 * MINUTE);
    for (let i = 0; i < 2; i++) await lockout.recordFailure('name:eve', longAgo);
    await lockout.recordFailure('name:eve');
    expect(await codeOf(lockout.assertNotLocked('name:eve'))).toBeUndefined();
  });

  it('says whether a key has failures on record, so a success without any need not write', async () => {
    expect(await lockout.assertNotLocked('user:fresh')).toBe(false);
    await lockout.recordFailure('user:fresh');
    expect(await lockout.assertNotLocked('user:fresh')).toBe(true);
    await lockout.succeeded('user:fresh');
    expect(await lockout.assertNotLocked('user:fresh')).toBe(false);
  });

  it('clears the count on success', async () => {
    for (let i = 0; i < 2; i++) await lockout.recordFailure('user:1');
    await lockout.succeeded('user:1');
    await lockout.recordFailure('user:1');
    expect(await codeOf(lockout.assertNotLocked('user:1'))).toBeUndefined();
  });

  it('sweeps stale keys but keeps recent ones and locks in force', async () => {
    const now = new Date();
    await lockout.recordFailure('name:stale', new Date(now.getTime() - 10 * MINUTE));
    await lockout.recordFailure('name:recent', now);
    for (let i = 0; i < 3; i++) await lockout.recordFailure('name:locked', now);
    await lockout.cleanUp(new Date(now.getTime() + 30_000));
    expect((await rows.find({ order: { key: 'ASC' } })).map((row) => row.key)).toEqual(['name:locked', 'name:recent']);
  });
});

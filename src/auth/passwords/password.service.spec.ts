import { ConfigType } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { AppException, ErrorCode } from '../../common/errors';
import { authConfig } from '../../config';
import { PasswordService } from './password.service';

const MIN_LENGTH = 12;

async function serviceWithCost(bcryptCost: number): Promise<PasswordService> {
  const service = new PasswordService({ bcryptCost, passwordMinLength: MIN_LENGTH } as ConfigType<typeof authConfig>);
  await service.onModuleInit();
  return service;
}

function errorOf(run: () => unknown): AppException {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error('expected an AppException');
}

async function median(times: number, work: () => Promise<unknown>): Promise<number> {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await work();
    durations.push(performance.now() - started);
  }
  return durations.sort((a, b) => a - b)[Math.floor(times / 2)];
}

describe('PasswordService', () => {
  let service: PasswordService;

  beforeAll(async () => {
    service = await serviceWithCost(4);
  });

  describe('hash and verify', () => {
    it('hashes at the configured cost and verifies the same password only', async () => {
      const hash = await service.hash('correct horse battery staple');

      expect(hash).toMatch(/^\$2[aby]\$04\$/);
      await expect(service.verify('correct horse battery staple', hash)).resolves.toBe(true);
      await expect(service.verify('correct horse battery stapler', hash)).resolves.toBe(false);
    });

    it('salts every hash', async () => {
      expect(await service.hash('same password')).not.toBe(await service.hash('same password'));
    });

    it('answers false when there is no stored hash', async () => {
      await expect(service.verify('anything at all', undefined)).resolves.toBe(false);
    });

    it('spends a full compare when there is no stored hash', async () => {
      const slow = await serviceWithCost(10);
      const stored = await slow.hash('correct horse battery staple');

      const known = await median(3, () => slow.verify('wrong password here', stored));
      const unknown = await median(3, () => slow.verify('wrong password here', undefined));

      expect(unknown).toBeGreaterThan(known * 0.5);
    });
  });

  describe('assertAcceptable', () => {
    it(`accepts ${MIN_LENGTH} characters`, () => {
      expect(() => service.assertAcceptable('a'.repeat(MIN_LENGTH))).not.toThrow();
    });

    it('refuses a shorter password as VALIDATION_FAILED 400, naming the field', () => {
      const error = errorOf(() => service.assertAcceptable('a'.repeat(MIN_LENGTH - 1), 'newPassword'));

      expect([error.code, error.status]).toEqual([ErrorCode.VALIDATION_FAILED, 400]);
      expect(error.details).toEqual([`newPassword must be at least ${MIN_LENGTH} characters`]);
    });

    it('counts code points, not UTF-16 units', () => {
      // Each emoji is two UTF-16 units: 11 of them are 22 units but only 11 characters.
      expect(errorOf(() => service.assertAcceptable('😀'.repeat(MIN_LENGTH - 1))).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect(() => service.assertAcceptable('😀'.repeat(MIN_LENGTH))).not.toThrow();
    });
  });
});

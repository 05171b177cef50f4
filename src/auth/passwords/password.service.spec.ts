import { ConfigType } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { authConfig } from '../../config';
import { PasswordService } from './password.service';

async function serviceWithCost(bcryptCost: number): Promise<PasswordService> {
  const service = new PasswordService({ bcryptCost } as ConfigType<typeof authConfig>);
  await service.onModuleInit();
  return service;
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
});

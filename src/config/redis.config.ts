import { registerAs } from '@nestjs/config';
import { validatedEnvironment } from './environment';

export const redisConfig = registerAs('redis', () => ({ url: validatedEnvironment().REDIS_URL }));

export type RedisConfig = ReturnType<typeof redisConfig>;

import { registerAs } from '@nestjs/config';
import { readEnvironment } from './environment';

export const redisConfig = registerAs('redis', () => ({ url: readEnvironment().REDIS_URL }));

export type RedisConfig = ReturnType<typeof redisConfig>;

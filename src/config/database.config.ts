import { registerAs } from '@nestjs/config';
import { validatedEnvironment } from './environment';

export const databaseConfig = registerAs('database', () => ({ url: validatedEnvironment().DATABASE_URL }));

export type DatabaseConfig = ReturnType<typeof databaseConfig>;

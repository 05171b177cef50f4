// The TypeORM CLI's DataSource (npm run migration:run | migration:revert | migration:generate):
// the same options the app uses, from the same DATABASE_URL (and .env, when present).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { readEnvironmentWithEnvFile } from './src/config/environment';
import { dataSourceOptions } from './src/database/data-source-options';

export default new DataSource(dataSourceOptions(readEnvironmentWithEnvFile().DATABASE_URL));

// First, before the start-up allocates: it keeps process.nextTick on its fast path (see the module).
import './common/runtime/tick-object-shape';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter, NEST_APPLICATION_OPTIONS } from './app.setup';
import { appConfig } from './config';

async function bootstrap(): Promise<void> {
  const appModule = await AppModule.forRoot();
  // The namespace of the environment just validated: the adapter needs it before the app exists.
  const config = appConfig();
  const app = await NestFactory.create<NestFastifyApplication>(appModule, createFastifyAdapter(config), NEST_APPLICATION_OPTIONS);
  configureApp(app, config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  new Logger('Gatehouse').log(
    `listening on http://${config.host}:${config.port} (Swagger UI at /docs${config.swaggerEnabled ? '' : ', disabled'})`,
  );
}

bootstrap().catch((error: Error) => {
  // A bad configuration is the usual cause: say what is wrong, without a stack.
  new Logger('Gatehouse').error(error.name === 'ConfigurationError' ? error.message : (error.stack ?? error.message));
  process.exit(1);
});

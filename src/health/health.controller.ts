import { Controller, Get, ServiceUnavailableException, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/auth';
import { AppException, ErrorCode } from '../common/errors';
import { ApiErrors, ApiNoDatabaseErrors } from '../common/openapi';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Public()
  @Get('live')
  @ApiNoDatabaseErrors()
  @ApiOperation({ operationId: 'health_live', summary: 'Answers 200 while the process runs' })
  @ApiOkResponse({
    description: 'The process runs',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'], example: { status: 'ok' } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiNoDatabaseErrors()
  @ApiOperation({ operationId: 'health_ready', summary: 'Answers 200 when the database (and Redis, if configured) answer' })
  @ApiOkResponse({
    description: 'Every dependency answers (Terminus health-check result)',
    schema: {
      type: 'object',
      properties: { status: { type: 'string' }, info: { type: 'object' }, error: { type: 'object' }, details: { type: 'object' } },
      example: { status: 'ok', info: { database: { status: 'up' } }, error: {}, details: { database: { status: 'up' } } },
    },
  })
  @ApiErrors(ErrorCode.SERVICE_UNAVAILABLE)
  async ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database', { timeout: 1500 })];
    if (this.redis.configured) checks.push(() => this.redis.ping('redis'));
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const failing = Object.keys((error.getResponse() as { error?: object }).error ?? {});
      throw new AppException(ErrorCode.SERVICE_UNAVAILABLE, `Not ready: ${failing.join(', ') || 'unknown'} unavailable`);
    }
  }
}

import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Public()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ operationId: 'health_metrics', summary: 'Prometheus metrics: requests, logins, token rejections, sessions' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    schema: { type: 'string', example: '# HELP gatehouse_logins_total Logins by outcome\n# TYPE gatehouse_logins_total counter\n' },
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

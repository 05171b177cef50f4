import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator';

@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  @Public()
  @Get('live')
  @ApiOperation({ operationId: 'health_live', summary: 'Answers 200 while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

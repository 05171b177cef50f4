import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator';

export class JwksDto {
  /** Public keys as JWKs; empty under HS256, whose secret is never published. */
  keys!: Record<string, unknown>[];
}

@ApiTags('keys')
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ operationId: 'keys_jwks', summary: 'Public keys for verifying access tokens (RFC 7517)' })
  jwks(): JwksDto {
    return { keys: [] };
  }
}

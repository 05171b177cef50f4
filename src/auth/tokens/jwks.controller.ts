import { Controller, Get, Header, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth';
import { ApiNoDatabaseErrors } from '../../common/openapi';
import type { KeyRing } from './key-ring';
import { KEY_RING } from './tokens.service';

export class JwksDto {
  @ApiProperty({
    description: 'Public keys as JWKs (RFC 7517) with their `kid`; empty under HS256, whose secret is never published.',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [
      {
        kty: 'EC',
        crv: 'P-256',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        kid: '2025-01',
        alg: 'ES256',
        use: 'sig',
      },
    ],
  })
  keys!: Record<string, unknown>[];
}

@ApiTags('keys')
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  private readonly document: JwksDto;

  constructor(@Inject(KEY_RING) keys: KeyRing) {
    this.document = { keys: keys.jwks };
  }

  @Public()
  @Get('jwks.json')
  @ApiNoDatabaseErrors()
  // Verifiers may cache for five minutes: a rotation keeps the old key listed for longer than that.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ operationId: 'keys_jwks', summary: 'Public keys for verifying access tokens (RFC 7517)' })
  @ApiOkResponse({ type: JwksDto, description: 'A JWK Set; `{ "keys": [] }` under HS256' })
  jwks(): JwksDto {
    return this.document;
  }
}

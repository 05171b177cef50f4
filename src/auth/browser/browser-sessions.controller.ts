import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth';
import { ApiErrors } from '../../common/openapi';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { BrowserSessions } from './browser-sessions.service';
import { CsrfCarrier } from './csrf.service';
import { CsrfTokenDto } from './dto/csrf-token.dto';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class BrowserSessionsController {
  constructor(private readonly browser: BrowserSessions) {}

  /**
   * Public to the global guard because it authenticates itself: an access token (header or cookie) or, once the
   * access cookie has expired, the refresh cookie, so that a page reloaded after a long pause can still refresh.
   */
  @Public()
  @RateLimited()
  @Get('csrf')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'auth_csrf',
    summary: "The CSRF token of the caller's session (cookie mode), for a page that reloaded",
    description: 'Authenticated by the access token (header or cookie) or by the refresh cookie.',
  })
  @ApiOkResponse({ type: CsrfTokenDto, description: 'Send it as `X-CSRF-Token` on cookie-authenticated POST, PATCH and DELETE' })
  @ApiErrors(401)
  csrf(@Req() request: CsrfCarrier): Promise<CsrfTokenDto> {
    return this.browser.csrfTokenOf(request);
  }
}

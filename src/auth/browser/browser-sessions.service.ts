import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode, TokenException } from '../../common/errors';
import { sessionIdOf } from '../../sessions/refresh-token';
import { SessionsService } from '../../sessions/sessions.service';
import { TokenPairDto } from '../dto/token-pair.dto';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { CsrfCarrier, CsrfService } from './csrf.service';
import { CookieSessionDto } from './dto/cookie-session.dto';
import { CsrfTokenDto } from './dto/csrf-token.dto';
import { CLEARED_SESSION_COOKIES, REFRESH_COOKIE, readCookie, sessionCookies } from './session-cookies';
import { CookieReply, TokenTransport } from './token-transport';

/** Refusals of a refresh that mean the cookies hold nothing worth keeping. */
const DEAD_REFRESH = new Set<ErrorCode>([ErrorCode.REFRESH_TOKEN_INVALID, ErrorCode.REFRESH_TOKEN_REUSED]);

/**
 * The browser side of sessions (API.md "Browser sessions: cookies and CSRF"): answering in cookies, spending the
 * refresh cookie, and the session's CSRF token. Every way to sign in answers through `answer`, so cookie mode is one
 * piece of code whatever the ending (password, second factor, passkey, identity provider).
 */
@Injectable()
export class BrowserSessions {
  constructor(
    private readonly csrf: CsrfService,
    private readonly sessions: SessionsService,
    private readonly strategy: JwtStrategy,
  ) {}

  /** A token pair as the transport asks: the pair itself, or the cookies and the session's CSRF token. */
  answer(transport: TokenTransport, pair: TokenPairDto): TokenPairDto | CookieSessionDto {
    if (transport.mode === 'body') return pair;
    const sessionId = sessionIdOf(pair.refreshToken);
    if (!sessionId) throw new Error('a token pair without a session refresh token');
    transport.reply.header('set-cookie', sessionCookies(pair.accessToken, pair.expiresIn, pair.refreshToken, pair.refreshExpiresIn));
    return {
      tokenType: 'Cookie',
      expiresIn: pair.expiresIn,
      refreshExpiresIn: pair.refreshExpiresIn,
      csrfToken: this.csrf.tokenFor(sessionId),
    };
  }

  /** Deletes both cookies (logout, and a refresh cookie that can no longer be spent). */
  clear(reply: CookieReply): void {
    reply.header('set-cookie', CLEARED_SESSION_COOKIES);
  }

  /**
   * A refresh with no body: spends the refresh cookie, after the CSRF checks (a refusal there is 403 and changes
   * nothing), and answers in cookies. A cookie that cannot be spent (missing, malformed, unknown, reused) is cleared.
   */
  async refreshFromCookie(
    request: CsrfCarrier,
    transport: TokenTransport,
    spend: (refreshToken: string) => Promise<TokenPairDto>,
  ): Promise<CookieSessionDto> {
    const cookieMode = { ...transport, mode: 'cookie' } as const;
    const cookie = readCookie(request, REFRESH_COOKIE);
    if ('absent' in cookie) return this.refused(cookieMode, 'No refresh token: send { refreshToken } or the refresh cookie');
    this.csrf.assertTrustedSource(request);
    if ('malformed' in cookie) return this.refused(cookieMode, cookie.malformed);
    const sessionId = sessionIdOf(cookie.value);
    if (!sessionId) return this.refused(cookieMode);
    // The CSRF token is bound to the session the cookie names: a cookie planted from a sibling subdomain fails here.
    this.csrf.assertToken(request, sessionId);
    try {
      return this.answer(cookieMode, await spend(cookie.value)) as CookieSessionDto;
    } catch (error) {
      if (error instanceof AppException && DEAD_REFRESH.has(error.code)) this.clear(transport.reply);
      throw error;
    }
  }

  /**
   * The CSRF token of the caller's session, for a page that reloaded: from the access token (header or cookie) or,
   * once the access cookie has expired, from a refresh cookie that is its session's current token.
   */
  async csrfTokenOf(request: CsrfCarrier): Promise<CsrfTokenDto> {
    let sessionId: string | undefined;
    try {
      sessionId = this.strategy.authenticateAccessToken(request).sessionId;
    } catch (error) {
      const cookie = readCookie(request, REFRESH_COOKIE);
      if (!(error instanceof TokenException) || !('value' in cookie)) throw error;
      sessionId = await this.sessions.sessionOfRefreshToken(cookie.value);
      if (!sessionId) throw error;
    }
    return { csrfToken: this.csrf.tokenFor(sessionId) };
  }

  private refused(transport: TokenTransport, message?: string): never {
    this.clear(transport.reply);
    throw new AppException(ErrorCode.REFRESH_TOKEN_INVALID, message);
  }
}

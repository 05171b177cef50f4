import { Injectable } from '@nestjs/common';
import { LoginMethod } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { Transactions } from '../database/transactions';
import { ClientInfo, IssuedSession } from '../sessions/session.types';
import { SessionsService } from '../sessions/sessions.service';
import { CookieSessionDto } from './browser/dto/cookie-session.dto';
import { BrowserSessions } from './browser/browser-sessions.service';
import { TokenTransport } from './browser/token-transport';
import { TokenPairDto } from './dto/token-pair.dto';
import { AccessTokenSubject } from './tokens/access-token-claims';
import { TokensService } from './tokens/tokens.service';

/**
 * How a login ended: its RFC 8176 methods, whether the user has a second factor (said in every token), and the
 * `method` of its `login.succeeded` event.
 */
export interface SignInMethod {
  amr: string[];
  secondFactor: boolean;
  via: LoginMethod;
}

/**
 * The one way a login ends, whatever proved it (password, password and a second factor, a provider, a passkey later):
 * a new session and its `login.succeeded` event in one transaction, its token pair, and the answer in the transport the
 * client asked for (body or cookies).
 */
@Injectable()
export class SignIn {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly browser: BrowserSessions,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async open(
    user: AccessTokenSubject,
    client: ClientInfo,
    method: SignInMethod,
    transport: TokenTransport,
  ): Promise<TokenPairDto | CookieSessionDto> {
    const session = await this.transactions.run(async () => {
      const opened = await this.sessions.create(user, client, {
        amr: method.amr,
        authTime: new Date(),
        secondFactor: method.secondFactor,
      });
      await this.audit.record(
        { type: 'login.succeeded', userId: user.id, actorId: user.id, details: { method: method.via, sessionId: opened.sessionId } },
        client,
      );
      return opened;
    });
    return this.browser.answer(transport, this.pair(user, session, method.secondFactor));
  }

  /** The token pair of a session just opened, rotated or re-authenticated. */
  pair(user: AccessTokenSubject, session: IssuedSession, secondFactor: boolean): TokenPairDto {
    const { amr, authTime } = session.authentication;
    return {
      accessToken: this.tokens.signAccessToken(user, session.sessionId, {
        amr,
        authTime: Math.floor(authTime.getTime() / 1000),
        secondFactor,
      }),
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTokenTtlSeconds,
      refreshExpiresIn: session.refreshExpiresIn,
    };
  }
}

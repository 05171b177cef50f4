import { Injectable, Logger } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import { LoginMethod } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { LoginOutcome } from '../metrics/login-outcome';
import { MetricsService } from '../metrics/metrics.service';
import { ClientInfo } from '../sessions/session.types';

/** Where a login came from: the client (address, user agent, request id) and the request's logger. */
export interface LoginOrigin extends ClientInfo {
  log?: FastifyBaseLogger;
}

/**
 * Login attempts (OWASP Logging Cheat Sheet): counted, logged, and the failures written to the audit trail, each in
 * a write of its own (there is no change for them to share a transaction with). Successes are recorded where the
 * session opens (SignIn.open). Never a secret, nor the name that was typed (it may be a mistyped password).
 */
@Injectable()
export class AuthEvents {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly metrics: MetricsService,
    private readonly audit: AuditService,
  ) {}

  login(outcome: LoginOutcome, userId: string | undefined, origin: LoginOrigin): void {
    this.metrics.countLogin(outcome);
    const event = { context: 'Audit', event: 'login', outcome, userId, ip: origin.ip };
    const level = outcome === 'success' ? 'info' : 'warn';
    if (origin.log) origin.log[level](event, 'Audit');
    else if (level === 'info') this.logger.log(event);
    else this.logger.warn(event);
  }

  /** `login.failed`, with the account when the name matched one. */
  async loginFailed(
    reason: Exclude<LoginOutcome, 'success'>,
    userId: string | undefined,
    method: LoginMethod,
    origin: LoginOrigin,
  ): Promise<void> {
    this.login(reason, userId, origin);
    await this.audit.record({ type: 'login.failed', userId, outcome: 'failure', details: { method, reason } }, origin);
  }

  /** `login.locked`: this failure locked the account. */
  async accountLocked(userId: string, lockSeconds: number, method: LoginMethod, origin: LoginOrigin): Promise<void> {
    await this.audit.record({ type: 'login.locked', userId, outcome: 'failure', details: { method, lockSeconds } }, origin);
  }
}

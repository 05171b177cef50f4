import { Injectable, Logger } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import { LoginOutcome } from '../metrics/login-outcome';
import { MetricsService } from '../metrics/metrics.service';

/** Where a login came from: the client address and the request's logger, which carries its request id. */
export interface LoginOrigin {
  ip?: string;
  log?: FastifyBaseLogger;
}

/** Audit events of authentication (OWASP Logging Cheat Sheet): who, from where, with what outcome; never a secret. */
@Injectable()
export class AuthEvents {
  private readonly logger = new Logger('Audit');

  constructor(private readonly metrics: MetricsService) {}

  login(outcome: LoginOutcome, userId: string | undefined, origin: LoginOrigin): void {
    this.metrics.countLogin(outcome);
    const event = { context: 'Audit', event: 'login', outcome, userId, ip: origin.ip };
    const level = outcome === 'success' ? 'info' : 'warn';
    if (origin.log) origin.log[level](event, 'Audit');
    else if (level === 'info') this.logger.log(event);
    else this.logger.warn(event);
  }
}

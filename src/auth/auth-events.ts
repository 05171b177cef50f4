import { Injectable, Logger } from '@nestjs/common';
import { currentRequest } from '../common/logging/logger';
import { LoginOutcome, MetricsService } from '../metrics/metrics.service';

/** Audit events of authentication (OWASP Logging Cheat Sheet): who, from where, with what outcome; never a secret. */
@Injectable()
export class AuthEvents {
  private readonly logger = new Logger('Audit');

  constructor(private readonly metrics: MetricsService) {}

  login(outcome: LoginOutcome, userId?: string): void {
    this.metrics.countLogin(outcome);
    const event = { event: 'login', outcome, userId, ip: currentRequest.getStore()?.ip };
    if (outcome === 'success') this.logger.log(event);
    else this.logger.warn(event);
  }
}

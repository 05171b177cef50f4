import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Transactions } from '../database/transactions';
import { AuditEventRow } from './audit-event.entity';
import { AuditRetention } from './audit-retention.service';
import { AuditService } from './audit.service';
import { WebhookDelivery } from './webhooks/webhook-delivery.entity';
import { WebhookSender } from './webhooks/webhook-sender.service';
import { DEFAULT_WEBHOOK_TIMINGS, WEBHOOK_TIMINGS } from './webhooks/webhook-timings';

/**
 * Writing the trail, for every module that changes something worth recording (users and sessions included): global,
 * like metrics, and depending on nothing but the database, so no feature module has to import another to be audited.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventRow, WebhookDelivery])],
  providers: [Transactions, AuditService, AuditRetention, WebhookSender, { provide: WEBHOOK_TIMINGS, useValue: DEFAULT_WEBHOOK_TIMINGS }],
  exports: [Transactions, AuditService],
})
export class AuditTrailModule {}

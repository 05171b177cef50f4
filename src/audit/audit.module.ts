import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { AuditEventRow } from './audit-event.entity';
import { AuditEventsController } from './audit-events.controller';
import { AuditQueryService } from './audit-query.service';

/** Reading the trail (GET /audit-events, GET /auth/events); its cursors are signed with a key derived from the token keys. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventRow]), AuthModule],
  controllers: [AuditEventsController],
  providers: [AuditQueryService],
})
export class AuditModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevocationSync } from './revocation-sync.service';
import { RevokedSessions } from './revoked-sessions';
import { Session } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/**
 * Sessions stand on their own so that UsersModule can end a user's sessions (role change, disabling, deletion)
 * through SessionsService without depending on the rest of authentication: this module imports neither auth/ nor users/.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Session])],
  controllers: [SessionsController],
  providers: [SessionsService, RevokedSessions, RevocationSync],
  exports: [SessionsService],
})
export class SessionsModule {}

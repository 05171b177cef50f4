import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module';
import { LinkedIdentities } from './linked-identities.port';
import { User } from './user.entity';
import { UserProfileCache } from './user-profile.cache';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), SessionsModule],
  controllers: [UsersController],
  providers: [UsersService, UserProfileCache, LinkedIdentities],
  exports: [UsersService, LinkedIdentities],
})
export class UsersModule {}

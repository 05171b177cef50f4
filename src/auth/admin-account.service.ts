import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authConfig } from '../config';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { UserRole } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { PasswordService } from './passwords/password.service';

export interface AdminAccount {
  username: string;
  email: string;
  password: string;
}

/** Creates the first admin from ADMIN_* at start, and any admin from `npm run cli -- create-admin`. */
@Injectable()
export class AdminAccountService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminAccountService.name);

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin || (await this.users.findCredentials(admin.username))) return;
    await this.create(admin);
    this.logger.log(`created admin user "${admin.username}" from ADMIN_USERNAME`);
  }

  async create(account: AdminAccount): Promise<UserResponseDto> {
    const password = account.password.normalize('NFKC');
    this.passwords.assertAcceptable(password, 'ADMIN_PASSWORD');
    const username = account.username.trim().normalize('NFKC');
    return this.users.create({
      username,
      email: account.email.trim().normalize('NFKC'),
      passwordHash: await this.passwords.hash(password),
      roles: [UserRole.User, UserRole.Admin],
    });
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, ValidationPipe } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authConfig } from '../config';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { UserRole } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { AdminAccount } from './admin-account';
import { RegisterDto } from './dto/register.dto';
import { createAppValidationPipe } from './passwords/password-policy';
import { PasswordService } from './passwords/password.service';
import { AuditService } from '../audit/audit.service';
import { Transactions } from '../database/transactions';

/** Creates the first admin from ADMIN_* at start, and any admin from `npm run cli -- create-admin`. */
@Injectable()
export class AdminAccountService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminAccountService.name);
  private readonly validation: ValidationPipe;

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {
    this.validation = createAppValidationPipe(config.passwordMinLength);
  }

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin || (await this.users.findCredentials(admin.username))) return;
    await this.create(admin);
    this.logger.log(`created admin user "${admin.username}" from ADMIN_USERNAME`);
  }

  /** An admin account obeys the rules of registration: it goes through the pipe a registration does, as its body. */
  async create(account: AdminAccount): Promise<UserResponseDto> {
    const input = (await this.validation.transform({ ...account }, { type: 'body', metatype: RegisterDto })) as RegisterDto;
    const passwordHash = await this.passwords.hash(input.password);
    return this.transactions.run(async () => {
      const user = await this.users.create({
        username: input.username,
        email: input.email,
        passwordHash,
        roles: [UserRole.User, UserRole.Admin],
        // Whoever configures or runs the service vouches for the address, so REQUIRE_EMAIL_VERIFICATION never locks them out.
        emailVerified: true,
      });
      // Nobody signed in did it: the configuration (ADMIN_*) or the command line.
      await this.audit.record({ type: 'user.registered', userId: user.id, details: { admin: true } });
      return user;
    });
  }
}

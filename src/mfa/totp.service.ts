import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import QRCode from 'qrcode';
import { IsNull, Not, Repository } from 'typeorm';
import { AppException, ErrorCode } from '../common/errors';
import { ConfigurationError } from '../config';
import { transactional } from '../database/transactions';
import { SECRET_BOX } from './data-key';
import { TotpEnrolmentDto } from './dto/totp-enrolment.dto';
import { TotpCredential } from './entities/totp-credential.entity';
import { SecretBox } from './secret-box';
import { matchTotpStep, newTotpSecret, totpUri } from './totp';

/** The name authenticator apps show above the account. */
const ISSUER = 'Gatehouse';

/** TOTP authenticators: enrolment, confirmation, the code check (each code once), removal. */
@Injectable()
export class TotpService implements OnModuleInit {
  constructor(
    @InjectRepository(TotpCredential) private readonly totpsTable: Repository<TotpCredential>,
    @Inject(SECRET_BOX) private readonly box: SecretBox | undefined,
  ) {}

  /** The table as the open transaction sees it (a change and its audit event commit together). */
  private get totps(): Repository<TotpCredential> {
    return transactional(this.totpsTable);
  }

  /** Without the key, stored secrets are lost to every login that needs them: refuse to start rather than lock users out. */
  async onModuleInit(): Promise<void> {
    if (!this.box && (await this.totps.exists())) {
      throw new ConfigurationError('DATA_ENCRYPTION_KEY is required: the database holds TOTP secrets sealed under it');
    }
  }

  async isEnabled(userId: string): Promise<boolean> {
    return this.totps.existsBy({ userId, confirmedAt: Not(IsNull()) });
  }

  /** A new pending secret (replacing a pending one); 409 once TOTP is on. */
  async enrol(userId: string, account: string): Promise<TotpEnrolmentDto> {
    const box = this.requireBox();
    const secret = newTotpSecret();
    const sealedSecret = box.seal(secret, userId);
    const replaced = await this.totps.update(
      { userId, confirmedAt: IsNull() },
      { sealedSecret, lastUsedStep: null, createdAt: new Date() },
    );
    if (!replaced.affected) {
      if (await this.totps.existsBy({ userId })) throw new AppException(ErrorCode.MFA_ALREADY_ENABLED);
      await this.totps
        .insert({ userId, sealedSecret, confirmedAt: null, lastUsedStep: null, createdAt: new Date() })
        .catch(async (error: unknown) => {
          // A concurrent enrolment inserted first: its secret stands, this one is not what the app should scan.
          if (await this.totps.existsBy({ userId })) throw new AppException(ErrorCode.MFA_ALREADY_ENABLED);
          throw error;
        });
    }
    const otpauthUri = totpUri(secret, ISSUER, account);
    return { secret, otpauthUri, qrCode: await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M' }) };
  }

  /** Turns a pending enrolment on with a code of its secret; that code's step counts as used. */
  async confirm(userId: string, code: string): Promise<void> {
    const box = this.requireBox();
    const row = await this.totps.findOneBy({ userId });
    if (row?.confirmedAt) throw new AppException(ErrorCode.MFA_ALREADY_ENABLED);
    if (!row) throw new AppException(ErrorCode.MFA_NOT_ENABLED, 'No TOTP enrolment is pending: POST /auth/mfa/totp first');
    const step = await this.match(box, row, code);
    // Conditional on the same pending secret: a concurrent re-enrolment or confirmation wins.
    const confirmed = await this.totps.update(
      { userId, sealedSecret: row.sealedSecret, confirmedAt: IsNull() },
      { confirmedAt: new Date(), lastUsedStep: step },
    );
    if (!confirmed.affected) throw new AppException(ErrorCode.MFA_CODE_INVALID);
  }

  /**
   * Checks a code of the user's confirmed authenticator and records its step, in one conditional UPDATE, so that of
   * two requests with one code (on any instances) exactly one passes.
   */
  async verify(userId: string, code: string): Promise<void> {
    const row = await this.totps.findOneBy({ userId, confirmedAt: Not(IsNull()) });
    if (!row) throw new AppException(ErrorCode.MFA_CODE_INVALID);
    const step = await this.match(this.requireBox(), row, code);
    const recorded = await this.totps
      .createQueryBuilder()
      .update(TotpCredential)
      .set({ lastUsedStep: step })
      .where('user_id = :userId AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)', { userId, step })
      .execute();
    if (!recorded.affected) throw new AppException(ErrorCode.MFA_CODE_INVALID);
  }

  /** Removes the user's authenticator, pending or confirmed; false when there was none confirmed. */
  async remove(userId: string): Promise<boolean> {
    const enabled = await this.isEnabled(userId);
    await this.totps.delete({ userId });
    return enabled;
  }

  private async match(box: SecretBox, row: TotpCredential, code: string): Promise<number> {
    const secret = box.open(row.sealedSecret, row.userId);
    if (secret === undefined) throw new AppException(ErrorCode.MFA_UNAVAILABLE, 'The TOTP secret does not open under DATA_ENCRYPTION_KEY');
    const step = await matchTotpStep(secret, code, row.lastUsedStep);
    if (step === undefined) throw new AppException(ErrorCode.MFA_CODE_INVALID);
    return step;
  }

  private requireBox(): SecretBox {
    if (!this.box) throw new AppException(ErrorCode.MFA_UNAVAILABLE);
    return this.box;
  }
}

import { registerAs } from '@nestjs/config';
import { validatedEnvironment } from './environment';

export const auditConfig = registerAs('audit', () => {
  const env = validatedEnvironment();
  return {
    retentionDays: env.AUDIT_RETENTION_DAYS,
    webhook: env.WEBHOOK_URL && env.WEBHOOK_SECRET ? { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET } : undefined,
  };
});

export type AuditConfig = ReturnType<typeof auditConfig>;

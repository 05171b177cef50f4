import { createHmac } from 'node:crypto';

/**
 * `Gatehouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (API.md). The timestamp is signed
 * with the body, so a receiver that refuses old timestamps cannot be sent a captured delivery again later.
 */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

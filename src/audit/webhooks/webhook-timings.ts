/** How the sender paces itself. A provider of its own so that a test can shorten the waits. */
export const WEBHOOK_TIMINGS = Symbol('WEBHOOK_TIMINGS');

export interface WebhookTimings {
  /** How often each instance looks for due deliveries (a commit also starts a pass at once). */
  pollMs: number;
  /** The wait after the first failure; each further failure doubles it, up to `maxRetryMs`. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** How long after its event a delivery is still retried. */
  giveUpAfterMs: number;
  /** The most one POST may take. */
  timeoutMs: number;
  /** How long a claimed row stays with its sender; a sender that died lets its rows go after this. */
  claimMs: number;
  /** Rows claimed, and POSTed concurrently, at a time. */
  batchSize: number;
}

export const DEFAULT_WEBHOOK_TIMINGS: WebhookTimings = {
  pollMs: 5_000,
  firstRetryMs: 2_000,
  maxRetryMs: 15 * 60_000,
  giveUpAfterMs: 24 * 3600_000,
  timeoutMs: 10_000,
  claimMs: 60_000,
  batchSize: 20,
};

/** The wait before attempt `attempts + 1`, after `attempts` failures: 2 s, 4 s, 8 s, … up to the cap. */
export function retryDelayMs(timings: WebhookTimings, attempts: number): number {
  return Math.min(timings.maxRetryMs, timings.firstRetryMs * 2 ** Math.max(0, attempts - 1));
}

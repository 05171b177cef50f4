/** Delivery attempts per mail, and the wait before each retry (doubling: 2 s, 4 s, …). */
export interface MailDeliveryOptions {
  attempts: number;
  firstRetryDelayMs: number;
}

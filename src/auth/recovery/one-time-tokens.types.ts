import { OneTimeTokenPurpose } from './one-time-token.entity';

/** How long a token of each purpose works, in seconds. */
export type OneTimeTokenTtls = Record<OneTimeTokenPurpose, number>;

export interface IssuedToken {
  token: string;
  ttlSeconds: number;
}

/** Whose token was spent, and the canonical address it was mailed to. */
export interface SpentToken {
  userId: string;
  email: string;
}

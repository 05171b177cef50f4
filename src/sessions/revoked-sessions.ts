import { Injectable } from '@nestjs/common';

/**
 * The in-memory view of revoked sessions that the hot path consults instead of the database.
 * It only needs sessions revoked within the access-token lifetime: any older session's access tokens have expired,
 * so `prune` keeps it small. The sessions table stays the truth; this is rebuilt from it at start.
 */
@Injectable()
export class RevokedSessions {
  private readonly revokedAtMs = new Map<string, number>();

  has(sessionId: string): boolean {
    return this.revokedAtMs.has(sessionId);
  }

  add(sessionId: string, revokedAt: Date = new Date()): void {
    this.revokedAtMs.set(sessionId, revokedAt.getTime());
  }

  /** Forgets revocations made before `cutoff`. */
  prune(cutoff: Date): void {
    const limit = cutoff.getTime();
    for (const [id, at] of this.revokedAtMs) if (at < limit) this.revokedAtMs.delete(id);
  }

  get size(): number {
    return this.revokedAtMs.size;
  }
}

/** Tokens issued just before a revocation can still be signed a moment after it (a refresh racing a logout). */
const CLOCK_MARGIN_MS = 60_000;

/** Before this instant, no access token of a session revoked then can still be unexpired: older revocations can go. */
export function revocationHorizon(now: Date, accessTokenTtlSeconds: number): Date {
  return new Date(now.getTime() - accessTokenTtlSeconds * 1000 - CLOCK_MARGIN_MS);
}

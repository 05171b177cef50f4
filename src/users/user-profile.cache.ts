import { Injectable } from '@nestjs/common';
import { UserResponseDto } from './dto/user-response.dto';

const MAX_ENTRIES = 10_000;
const TTL_MS = 30_000;

/**
 * Recently read profiles, so that `/auth/me` on the hot path costs no query. Writes on this instance evict at once;
 * a change made on another instance shows here within TTL_MS (changes that matter for access, roles and disabling,
 * end the user's sessions instead, which every instance learns of).
 */
@Injectable()
export class UserProfileCache {
  private readonly entries = new Map<string, { profile: UserResponseDto; expiresAt: number }>();

  get(id: string): UserResponseDto | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.profile;
  }

  set(profile: UserResponseDto): void {
    // A Map iterates in insertion order, so the first key is the oldest entry.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(profile.id, { profile, expiresAt: Date.now() + TTL_MS });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}

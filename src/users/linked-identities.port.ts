import { Injectable } from '@nestjs/common';
import { LinkedIdentityDto } from './dto/linked-identity.dto';

/** What can list a user's linked identities: identity-providers, which registers itself here. */
export interface LinkedIdentitiesSource {
  listFor(userId: string): Promise<LinkedIdentityDto[]>;
}

/**
 * The admin view of a user shows their linked identities, but UsersModule must not depend on the feature that keeps
 * them (features depend on users, never the reverse): the feature registers a source at start, and without one
 * (no such feature in the app) a user has none.
 */
@Injectable()
export class LinkedIdentities {
  private source: LinkedIdentitiesSource | undefined;

  register(source: LinkedIdentitiesSource): void {
    this.source = source;
  }

  listFor(userId: string): Promise<LinkedIdentityDto[]> {
    return this.source ? this.source.listFor(userId) : Promise.resolve([]);
  }
}

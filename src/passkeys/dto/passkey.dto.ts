import { Passkey } from '../entities/passkey.entity';

/** A passkey as its owner sees it: never its key or counter. */
export class PasskeyDto {
  /** Gatehouse's id of the passkey (not the credential id). @example "5f0c7a52-8f7e-4a4c-9a57-2d9b1f7d3c11" */
  id!: string;
  /** @example "Laptop" */
  name!: string;
  createdAt!: string;
  /** Null until the passkey is first used to sign in. */
  lastUsedAt!: string | null;
  /** The passkey is synced to other devices (the BS flag, as of its last use). @example true */
  backedUp!: boolean;
}

export function toPasskeyDto(passkey: Passkey): PasskeyDto {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    backedUp: passkey.backedUp,
  };
}

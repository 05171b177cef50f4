import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { OidcFlow, OidcFlowPurpose } from './oidc-flow.entity';
import { OidcLoginCode } from './oidc-login-code.entity';

/** API.md: a state lives 10 minutes, a loginCode 60 seconds; both are single use. */
export const FLOW_TTL_MS = 10 * 60 * 1000;
export const LOGIN_CODE_TTL_MS = 60 * 1000;

/** What we hand out (state, loginCode): 256 random bits, base64url. Anything else is refused without a query. */
const SECRET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export interface NewFlow {
  provider: string;
  purpose: OidcFlowPurpose;
  userId: string | null;
  nonce: string;
  codeVerifier: string;
  /** The hash of the starting browser's binding (login flows). */
  browserBinding: string | null;
  returnTo: string;
}

export type ClaimedFlow = NewFlow;

/**
 * Flows in progress and login codes, in the database so that each step may land on another instance (DESIGN.md
 * "State that crosses instances"). Both are found by their SHA-256 and spent with one conditional UPDATE, so of
 * concurrent uses exactly one succeeds.
 */
@Injectable()
export class OidcFlows {
  constructor(
    @InjectRepository(OidcFlow) private readonly flows: Repository<OidcFlow>,
    @InjectRepository(OidcLoginCode) private readonly codes: Repository<OidcLoginCode>,
  ) {}

  /** Stores a flow and returns its `state`. */
  async begin(flow: NewFlow, now = new Date()): Promise<string> {
    // Start is public: expired rows go as new ones come, so the table stays as small as the last ten minutes.
    await this.flows.delete({ expiresAt: LessThan(now) });
    const state = randomBytes(32).toString('base64url');
    await this.flows.insert({ ...flow, stateHash: sha256(state), expiresAt: new Date(now.getTime() + FLOW_TTL_MS), usedAt: null });
    return state;
  }

  /** The flow of a state, spent by this call; undefined for an unknown, used, expired or malformed state. */
  async claim(state: string, now = new Date()): Promise<ClaimedFlow | undefined> {
    if (!SECRET_FORMAT.test(state)) return undefined;
    const stateHash = sha256(state);
    const result = await this.flows.update({ stateHash, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    if (result.affected !== 1) return undefined;
    const flow = await this.flows.findOneBy({ stateHash });
    if (!flow) return undefined;
    const { provider, purpose, userId, nonce, codeVerifier, browserBinding, returnTo } = flow;
    return { provider, purpose, userId, nonce, codeVerifier, browserBinding, returnTo };
  }

  async issueLoginCode(userId: string, now = new Date()): Promise<string> {
    await this.codes.delete({ expiresAt: LessThan(now) });
    const code = randomBytes(32).toString('base64url');
    await this.codes.insert({ codeHash: sha256(code), userId, expiresAt: new Date(now.getTime() + LOGIN_CODE_TTL_MS), usedAt: null });
    return code;
  }

  /** The user of a login code, spent by this call; undefined for an unknown, used, expired or malformed one. */
  async spendLoginCode(code: string, now = new Date()): Promise<string | undefined> {
    if (!SECRET_FORMAT.test(code)) return undefined;
    const codeHash = sha256(code);
    const result = await this.codes.update({ codeHash, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    if (result.affected !== 1) return undefined;
    return (await this.codes.findOneBy({ codeHash }))?.userId;
  }
}

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

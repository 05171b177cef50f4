import type { Environment } from './environment';
import { originListProblems, originOf, parseOriginList } from './origins';

/** The WebAuthn relying party passkey ceremonies are checked against (WebAuthn L3 §5.1.3, §7.1 steps 9 and 15). */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS, each defaulting to what APP_URL gives. */
export function relyingPartyOf(env: Environment, appUrl: string): RelyingParty {
  const appOrigin = originOf(appUrl);
  return {
    id: env.WEBAUTHN_RP_ID ?? (appOrigin ? new URL(appOrigin).hostname : 'localhost'),
    name: env.WEBAUTHN_RP_NAME,
    origins: env.WEBAUTHN_ORIGINS ? parseOriginList(env.WEBAUTHN_ORIGINS) : appOrigin ? [appOrigin] : [],
  };
}

/**
 * What browsers would refuse about explicitly set WebAuthn variables: an origin whose host is not the RP ID or under
 * it, and a page that is not a secure context (https, or http on localhost). Defaults follow APP_URL and are not
 * refused here: an APP_URL on an address only disables passkeys, which the service logs at start.
 */
export function webAuthnProblems(env: Environment, appUrl: string): string[] {
  if (env.WEBAUTHN_RP_ID === undefined && env.WEBAUTHN_ORIGINS === undefined) return [];
  if (env.WEBAUTHN_ORIGINS) {
    const problems = originListProblems('WEBAUTHN_ORIGINS', env.WEBAUTHN_ORIGINS);
    if (problems.length > 0) return problems;
  }
  const party = relyingPartyOf(env, appUrl);
  return party.origins.flatMap((origin) => {
    const { hostname, protocol } = new URL(origin);
    const problems: string[] = [];
    if (hostname !== party.id && !hostname.endsWith(`.${party.id}`)) {
      problems.push(`WEBAUTHN_ORIGINS: ${origin} is not on WEBAUTHN_RP_ID ${party.id} or a subdomain of it`);
    }
    if (protocol !== 'https:' && !isLocalhost(hostname)) {
      problems.push(`WEBAUTHN_ORIGINS: ${origin} must be https (browsers allow http only on localhost)`);
    }
    return problems;
  });
}

/** Why passkeys cannot work with this relying party, if they cannot: said once at start, never refused. */
export function relyingPartyWarning(party: RelyingParty): string | undefined {
  if (/^[\d.]+$/.test(party.id) || party.id.includes(':')) {
    return `passkeys need a host name: the RP ID ${party.id} is an address (set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, or APP_URL)`;
  }
  const insecure = party.origins.find((origin) => !origin.startsWith('https:') && !isLocalhost(new URL(origin).hostname));
  return insecure ? `passkeys need https: browsers refuse them on ${insecure}` : undefined;
}

function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

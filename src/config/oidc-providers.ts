/** One identity provider as configured by `OIDC_<ID>_*` (API.md "Sign in with an identity provider"). */
export interface OidcProviderSettings {
  /** Lower-case, as in `OIDC_PROVIDERS` and in the routes: `/oidc/<id>/start`. */
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const DEFAULT_SCOPES = 'openid email profile';

/** `corp` → `OIDC_CORP_`, `my-idp` → `OIDC_MY_IDP_`. */
export function providerVariablePrefix(id: string): string {
  return `OIDC_${id.toUpperCase().replace(/-/g, '_')}_`;
}

/**
 * True for an issuer on this machine: http is allowed there (tests, a local Keycloak), and nowhere else, since an
 * issuer's discovery document and keys fetched over plain http could be replaced by anyone on the path.
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The providers of `OIDC_PROVIDERS` with their variables, or every problem with them. The per-provider variables
 * have names made from the ids, so they are read here from the raw environment rather than declared one by one.
 */
export function readOidcProviders(
  list: string | undefined,
  raw: Record<string, string | undefined>,
): { providers: OidcProviderSettings[]; problems: string[] } {
  const providers: OidcProviderSettings[] = [];
  const problems: string[] = [];
  const ids = (list ?? '')
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);
  for (const id of ids) {
    if (!PROVIDER_ID.test(id)) {
      problems.push(`OIDC_PROVIDERS: "${id}" must be 1-32 letters, digits, _ or -, starting with a letter or digit`);
      continue;
    }
    if (providers.some((p) => p.id === id)) {
      problems.push(`OIDC_PROVIDERS: "${id}" is listed twice`);
      continue;
    }
    const prefix = providerVariablePrefix(id);
    const read = (name: string): string | undefined => {
      const value = raw[`${prefix}${name}`]?.trim();
      return value === '' ? undefined : value;
    };
    const issuer = read('ISSUER');
    const clientId = read('CLIENT_ID');
    const clientSecret = read('CLIENT_SECRET');
    const missing = [!issuer && 'ISSUER', !clientId && 'CLIENT_ID', !clientSecret && 'CLIENT_SECRET'].filter(Boolean);
    if (missing.length > 0) {
      problems.push(`OIDC_PROVIDERS: "${id}" needs ${missing.map((name) => `${prefix}${name}`).join(', ')}`);
      continue;
    }
    const issuerProblem = problemOfIssuer(issuer!);
    if (issuerProblem) {
      problems.push(`${prefix}ISSUER: ${issuerProblem}`);
      continue;
    }
    const scopes = (read('SCOPES') ?? DEFAULT_SCOPES).split(/[\s,]+/).filter(Boolean);
    if (!scopes.includes('openid')) {
      problems.push(`${prefix}SCOPES: must include openid`);
      continue;
    }
    providers.push({ id, name: read('NAME') ?? id, issuer: issuer!, clientId: clientId!, clientSecret: clientSecret!, scopes });
  }
  return { providers, problems };
}

function problemOfIssuer(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `"${issuer}" is not a URL`;
  }
  if (url.search || url.hash || url.username || url.password) return 'an issuer has no query, fragment or credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackUrl(url)) return undefined;
  return 'must be https (plain http only on a loopback address such as 127.0.0.1)';
}

/**
 * Web origins (`scheme://host[:port]`) as browsers send them in `Origin`: lower-case host, no default port, no path.
 * Allow-lists compare these strings exactly, never by prefix or pattern.
 */
export function parseOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin;
}

/** The origins of a comma-separated list; entries that are not origins are left out (validation reports them). */
export function parseOriginList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => parseOrigin(entry))
    .filter((origin): origin is string => origin !== undefined);
}

/** What is wrong with an origin list, one line per bad entry. `*` is refused: credentials need an explicit list. */
export function originListProblems(variable: string, text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .filter((entry) => parseOrigin(entry) === undefined)
    .map((entry) =>
      entry === '*'
        ? `${variable}: "*" is not allowed (cookies need an explicit list of origins)`
        : `${variable}: "${entry}" is not an origin (scheme://host[:port], no path)`,
    );
}

/** The origin of a base URL such as PUBLIC_URL or APP_URL, whatever its path. */
export function originOf(url: string): string | undefined {
  try {
    const { origin, protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? origin : undefined;
  } catch {
    return undefined;
  }
}

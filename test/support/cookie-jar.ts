/**
 * fetch as a browser does for one person: it keeps the cookies each origin sets and sends them back by path, and it
 * never follows redirects by itself (the tests look at each hop). Enough for an identity provider's login pages.
 */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const sent = [...this.cookies]
      .filter(([key, cookie]) => key.startsWith(`${target.origin} `) && target.pathname.startsWith(cookie.path))
      .map(([key, cookie]) => `${key.slice(target.origin.length + 1)}=${cookie.value}`);
    if (sent.length > 0) headers.set('cookie', sent.join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.keep(target, line);
    return response;
  }

  private keep(from: URL, line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const name = pair.slice(0, pair.indexOf('='));
    const value = pair.slice(pair.indexOf('=') + 1);
    const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const path = attribute('path') ?? '/';
    const expires = attribute('expires');
    const gone = attribute('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now()) || value === '';
    const key = `${from.origin} ${name}`;
    if (gone) this.cookies.delete(key);
    else this.cookies.set(key, { value, path });
  }
}

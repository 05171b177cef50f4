import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { CookieJar } from './cookie-jar';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * A real OpenID provider for the tests: panva's oidc-provider (the certified implementation) on a loopback port, with
 * registered clients, an account store the test fills, and its own development login and consent pages. One hook
 * stands in front of its token endpoint, for ID tokens that a real provider would only send by mistake.
 */
export class TestProvider {
  readonly accounts = new Map<string, TestAccount>();
  /** When set, answers the next token request instead of the provider (then unsets itself). */
  tokenHook: Handler | undefined;
  private provider!: Provider;
  private key!: { privateKey: CryptoKey; jwk: JWK };

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  /** Starts on `port` (0: any free one). */
  static async start(clients: TestClient[], port = 0): Promise<TestProvider> {
    let handle: Handler = (_request, response) => response.writeHead(503).end();
    const server = createServer((request, response) => handle(request, response));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const test = new TestProvider(server, issuer);
    await test.configure(clients);
    const callback = test.provider.callback();
    handle = (request, response) => {
      const hook = test.tokenHook;
      if (hook && request.method === 'POST' && request.url?.startsWith('/token')) {
        test.tokenHook = undefined;
        return hook(request, response);
      }
      void callback(request, response);
    };
    return test;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** An ID token signed with the provider's own key, with whatever claims the test needs. */
  signIdToken(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.key.jwk.kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(this.key.privateKey);
  }

  /**
   * Signs `login` in at the provider from `authorizationUrl`, through its login and consent pages, and returns the
   * URL it redirects the browser to (the app's callback, with `code` and `state`) without following it.
   */
  async signIn(jar: CookieJar, authorizationUrl: string, login: string, callbackPrefix: string): Promise<string> {
    let response = await jar.fetch(authorizationUrl);
    for (let hop = 0; hop < 20; hop++) {
      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location')!, response.url || this.issuer).toString();
        if (location.startsWith(callbackPrefix)) return location;
        response = await jar.fetch(location);
        continue;
      }
      const page = await response.text();
      if (response.status !== 200) throw new Error(`provider answered ${response.status}: ${page.slice(0, 500)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
      if (!action || !prompt) throw new Error(`no login or consent form in: ${page.slice(0, 500)}`);
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      response = await jar.fetch(new URL(action.replace(/&amp;/g, '&'), this.issuer).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    }
    throw new Error('the provider did not redirect back within 20 hops');
  }

  private async configure(clients: TestClient[]): Promise<void> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    this.key = { privateKey, jwk };
    // Its start-up notes about development features are what a test provider is; they would only be noise here.
    const { warn, info } = console;
    console.warn = console.info = () => undefined;
    try {
      this.provider = this.create(clients, jwk);
    } finally {
      Object.assign(console, { warn, info });
    }
    // Quiet: an unknown account or a refused grant is what some tests are about.
    this.provider.on('server_error', () => undefined);
  }

  private create(clients: TestClient[], jwk: JWK): Provider {
    return new Provider(this.issuer, {
      clients: clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      })),
      findAccount: (_ctx, sub) => {
        const account = this.accounts.get(sub);
        return account ? { accountId: sub, claims: () => ({ sub, ...account }) } : undefined;
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
      jwks: { keys: [jwk] },
      cookies: { keys: ['test-cookie-key-made-for-this-run'] },
      pkce: { required: () => true },
      ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    });
  }
}

/** The body of a token request, for hooks that answer one. */
export async function readBody(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

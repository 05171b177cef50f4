import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFiles } from '../src/auth/tokens/key-files';
import { newUser, registerAndLogin } from './support/http';
import { createTestApp, createTestDatabase } from './support/test-app';

// examples/jwks-verifier is another service of the user's system: it runs as its own process against a live Gatehouse.

/** Starts the example's server on a free port; resolves with its base URL once it listens. */
function startExample(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['examples/jwks-verifier/server.mjs'], {
    env: { PATH: process.env.PATH, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the example did not start: ${output}`)), 10_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited (${code}): ${output}`));
    });
  });
}

describe('examples/jwks-verifier against a live Gatehouse (EdDSA)', () => {
  let gatehouse: NestFastifyApplication;
  let example: { child: ChildProcess; url: string } | undefined;
  let username: string;
  let accessToken: string;

  beforeAll(async () => {
    const keys = await generateKeyFiles('EdDSA', mkdtempSync(join(tmpdir(), 'gatehouse-keys-')));
    gatehouse = await createTestApp({
      DATABASE_URL: (await createTestDatabase('sqlite')).url,
      JWT_ALG: 'EdDSA',
      JWT_SECRET: undefined,
      JWT_PRIVATE_KEY_FILE: keys.privateFile,
      JWT_PUBLIC_KEY_FILES: keys.publicFile,
    });
    await gatehouse.listen(0, '127.0.0.1');
    const { port } = gatehouse.getHttpServer().address() as AddressInfo;
    const user = newUser('example');
    username = user.username;
    ({
      tokens: { accessToken },
    } = await registerAndLogin(gatehouse, user));
    example = await startExample({ GATEHOUSE_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` });
  });
  afterAll(async () => {
    if (example && example.child.exitCode === null) {
      const exited = new Promise((resolve) => example!.child.once('exit', resolve));
      example.child.kill();
      await exited;
    }
    await gatehouse?.close();
  });

  const hello = (authorization?: string) =>
    fetch(`${example!.url}/hello`, { headers: authorization ? { authorization } : {} }).then(async (response) => ({
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    }));

  it('answers /hello with the username of a Gatehouse access token', async () => {
    const response = await hello(`Bearer ${accessToken}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ message: `hello ${username}`, username });
  });

  it('refuses a garbage token, a tampered token and no token with 401', async () => {
    expect((await hello('Bearer this-is-not-a-jwt')).status).toBe(401);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...claims, username: 'root_admin' })).toString('base64url');
    expect((await hello(`Bearer ${header}.${tampered}.${signature}`)).status).toBe(401);
    const missing = await hello();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

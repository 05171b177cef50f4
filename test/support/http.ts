import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';

export interface TestUser {
  username: string;
  email: string;
  password: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

/** A new, unique, valid user (username, email, a password that passes every rule). */
export function newUser(prefix = 'user'): TestUser {
  const id = `${prefix}_${randomBytes(4).toString('hex')}`;
  return { username: id, email: `${id}@example.com`, password: `pw ${randomBytes(8).toString('hex')} horse` };
}

export function api(app: NestFastifyApplication) {
  return request(app.getHttpServer());
}

export async function register(app: NestFastifyApplication, user: TestUser = newUser()): Promise<{ user: TestUser; id: string }> {
  const response = await api(app).post('/api/v1/auth/register').send(user);
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return { user, id: response.body.id };
}

export async function login(app: NestFastifyApplication, user: Pick<TestUser, 'username' | 'password'>): Promise<TokenPair> {
  const response = await api(app).post('/api/v1/auth/login').send({ username: user.username, password: user.password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return response.body as TokenPair;
}

/** Registers a new user and logs them in. */
export async function registerAndLogin(
  app: NestFastifyApplication,
  user: TestUser = newUser(),
): Promise<{ user: TestUser; id: string; tokens: TokenPair }> {
  const registered = await register(app, user);
  return { ...registered, tokens: await login(app, user) };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The admin that tests boot with (ADMIN_* variables); its password is made by the test run. */
export const TEST_ADMIN: TestUser = {
  username: 'root_admin',
  email: 'root_admin@example.com',
  password: `admin ${randomBytes(8).toString('hex')} pass`,
};

export const ADMIN_ENV = { ADMIN_USERNAME: TEST_ADMIN.username, ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password };

/** The payload of a JWT, unverified (tests only). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

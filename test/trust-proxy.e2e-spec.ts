import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { api, bearer, newUser, register } from './support/http';
import { createTestApp, createTestDatabase } from './support/test-app';

// Sessions record the client's address; X-Forwarded-For counts only when TRUST_PROXY says a proxy sets it,
// or any client could write whatever address it likes into its session (and into rate-limit keys).
describe.each([
  ['1', '203.0.113.7'],
  ['127.0.0.1', '203.0.113.7'],
  ['10.0.0.0/8', '127.0.0.1'],
  ['false', '127.0.0.1'],
])('TRUST_PROXY=%s', (trustProxy, expectedIp) => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const db = await createTestDatabase('sqlite');
    app = await createTestApp({ DATABASE_URL: db.url, TRUST_PROXY: trustProxy });
  });
  afterAll(async () => {
    await app?.close();
  });

  it(`records ${expectedIp} as the session's address`, async () => {
    const { user } = await register(app, newUser('proxied'));
    const login = await api(app)
      .post('/api/v1/auth/login')
      .set('x-forwarded-for', '203.0.113.7')
      .set('user-agent', 'proxy-test/1.0')
      .send({ username: user.username, password: user.password });
    expect(login.status).toBe(200);
    const sessions = await api(app).get('/api/v1/auth/sessions').set(bearer(login.body.accessToken));
    expect(sessions.body).toEqual([
      expect.objectContaining({ ip: expect.stringContaining(expectedIp), userAgent: 'proxy-test/1.0', current: true }),
    ]);
  });
});

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from './support/http';
import { createTestApp, createTestDatabase } from './support/test-app';

// The document that client teams generate SDKs from: linted with Spectral's OpenAPI ruleset, and checked for what
// generated clients and Swagger UI need (method names, summaries, tags, the bearer scheme and its failures).

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: { code: string } }> }> }>;
}
interface OpenApiDocument {
  openapi: string;
  security?: Record<string, string[]>[];
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const PUBLIC_OPERATIONS = [
  'auth_register',
  'auth_login',
  'auth_refresh',
  'auth_csrf',
  'auth_password_forgot',
  'auth_password_reset',
  'auth_email_verify',
  'oidc_providers',
  'oidc_start',
  'oidc_callback',
  'oidc_exchange',
  'mfa_verify',
  'passkeys_authentication_options',
  'passkeys_authentication_verify',
  'health_live',
  'health_ready',
  'health_metrics',
  'keys_jwks',
];

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  severity: number;
}

describe('OpenAPI document (/docs-json)', () => {
  let app: NestFastifyApplication;
  let doc: OpenApiDocument;
  let operations: { name: string; op: Operation }[];

  beforeAll(async () => {
    const database = await createTestDatabase('sqlite');
    app = await createTestApp({ DATABASE_URL: database.url });
    doc = (await api(app).get('/docs-json').expect(200)).body as OpenApiDocument;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );
  });

  afterAll(async () => {
    await app?.close();
  });

  it('passes `spectral lint` with the spectral:oas ruleset without errors', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const spectral = spawnSync(
      join('node_modules', '.bin', 'spectral'),
      ['lint', file, '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'error', '--quiet'],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1' } },
    );
    const results = JSON.parse(spectral.stdout || '[]') as SpectralResult[];
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(errors).toEqual([]);
    expect([spectral.status, spectral.stderr]).toEqual([0, '']);
  });

  it('gives every operation a unique snake_case operationId, a summary and a declared tag', () => {
    const declaredTags = (doc.tags ?? []).map((t) => t.name);
    expect(declaredTags).toEqual(expect.arrayContaining(['auth', 'sessions', 'users', 'health', 'keys']));
    const problems = operations.flatMap(({ name, op }) => [
      ...(/^[a-z]+(_[a-z]+)+$/.test(op.operationId ?? '') ? [] : [`${name}: operationId ${op.operationId}`]),
      ...(op.summary?.trim() ? [] : [`${name}: no summary`]),
      ...(op.tags?.length === 1 && declaredTags.includes(op.tags[0]) ? [] : [`${name}: tags ${JSON.stringify(op.tags)}`]),
    ]);
    expect(problems).toEqual([]);
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('requires the bearer token document-wide, and public operations opt out with security: []', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    const open = operations.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0).map(({ op }) => op.operationId);
    expect(open.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
    expect(JSON.stringify(doc)).not.toContain('x-gatehouse-public');
  });

  it('documents 401 with every TOKEN_* code on each guarded operation', () => {
    const guarded = operations.filter(({ op }) => op.security === undefined);
    expect(guarded.length).toBeGreaterThan(5);
    const missing = guarded
      .filter(({ op }) => {
        const examples = op.responses['401']?.content?.['application/json']?.examples ?? {};
        const codes = Object.values(examples).map((e) => e.value.code);
        return !['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_REVOKED'].every((code) => codes.includes(code));
      })
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it("documents each failure of API.md's route tables with its code", () => {
    const codes = (operationId: string, status: string) => {
      const op = operations.find((o) => o.op.operationId === operationId)!.op;
      return Object.values(op.responses[status]?.content?.['application/json']?.examples ?? {}).map((e) => e.value.code);
    };
    expect(codes('auth_register', '400')).toContain('VALIDATION_FAILED');
    expect(codes('auth_register', '409')).toEqual(['USER_EXISTS']);
    expect(codes('auth_register', '429')).toEqual(['TOO_MANY_REQUESTS']);
    expect(codes('auth_login', '401')).toEqual(['INVALID_CREDENTIALS', 'MFA_REQUIRED']);
    expect(codes('auth_login', '403')).toEqual(expect.arrayContaining(['ACCOUNT_DISABLED']));
    expect(codes('auth_login', '429')).toEqual(['TOO_MANY_REQUESTS']);
    expect(codes('auth_refresh', '401')).toEqual(['REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED']);
    expect(codes('auth_refresh', '403')).toEqual(['CSRF_FAILED']);
    expect(codes('auth_csrf', '401')).toEqual(['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']);
    expect(codes('auth_change_password', '401')).toContain('INVALID_CREDENTIALS');
    expect(codes('sessions_revoke', '404')).toEqual(['SESSION_NOT_FOUND']);
    expect(codes('users_get', '403')).toEqual(['FORBIDDEN']);
    for (const id of ['users_list', 'users_mfa_status']) expect(codes(id, '403')).toEqual(['FORBIDDEN', 'MFA_ENROLLMENT_REQUIRED']);
    for (const id of ['users_update', 'users_delete', 'users_mfa_reset']) {
      expect(codes(id, '403')).toEqual(['FORBIDDEN', 'MFA_ENROLLMENT_REQUIRED', 'CSRF_FAILED']);
    }
    for (const id of ['auth_logout', 'auth_logout_all', 'auth_change_password', 'sessions_revoke']) {
      expect(codes(id, '403')).toEqual(['CSRF_FAILED']);
    }
    for (const id of ['auth_me', 'sessions_list']) expect(codes(id, '403')).toEqual([]);
    for (const id of ['users_get', 'users_update', 'users_delete']) expect(codes(id, '404')).toEqual(['USER_NOT_FOUND']);
    expect(codes('users_update', '409')).toEqual(['USER_EXISTS']);
    expect(codes('health_ready', '503')).toEqual(['SERVICE_UNAVAILABLE']);
    expect(codes('mfa_totp_enrol', '401')).toContain('STEP_UP_REQUIRED');
    expect(codes('mfa_totp_enrol', '409')).toEqual(['MFA_ALREADY_ENABLED']);
    expect(codes('mfa_totp_enrol', '503')).toContain('MFA_UNAVAILABLE');
    expect(codes('mfa_totp_confirm', '400')).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'MFA_CODE_INVALID']));
    expect(codes('mfa_totp_disable', '401')).toContain('STEP_UP_REQUIRED');
    expect(codes('mfa_recovery_codes', '409')).toEqual(['MFA_NOT_ENABLED']);
    expect(codes('mfa_verify', '400')).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'MFA_CODE_INVALID']));
    expect(codes('mfa_verify', '401')).toEqual(['MFA_TOKEN_INVALID']);
    expect(codes('auth_step_up', '400')).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'MFA_CODE_INVALID']));
    expect(codes('auth_step_up', '401')).toContain('INVALID_CREDENTIALS');
  });

  it('does not mark query fields with defaults as required', () => {
    const parameters = (doc.paths['/api/v1/users'].get as unknown as { parameters: { name: string; required?: boolean }[] }).parameters;
    expect(parameters.filter((p) => p.required).map((p) => p.name)).toEqual([]);
  });
});

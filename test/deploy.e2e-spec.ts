import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { validateEnvironment } from '../src/config/environment';

// No Docker engine or cluster here: the deployment files are checked by reading them. Each Kubernetes manifest is
// validated against the API's JSON schema (kubernetes-models), and the files are checked against each other and
// against the variables Gatehouse knows (.env.example lists them all).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, whose shape is what the assertions check
type Doc = Record<string, any>;

const K8S_DIR = 'deploy/k8s';
const read = (path: string): string => readFileSync(path, 'utf8');
const yamlFiles = ['docker-compose.yml', ...readdirSync(K8S_DIR).map((f) => join(K8S_DIR, f))].filter((f) => /\.ya?ml$/.test(f));
const manifests: Record<string, Doc> = Object.fromEntries(
  readdirSync(K8S_DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => [f, parse(read(join(K8S_DIR, f))) as Doc]),
);
const knownVariables = new Set(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.slice(0, l.indexOf('='))),
);
/** A secret that passes Gatehouse's production checks, for configurations whose secret is interpolated. */
const TEST_SECRET = 'k'.repeat(43);
const TEST_DATA_KEY = randomBytes(32).toString('base64url');

describe('every YAML file', () => {
  it.each(yamlFiles)('%s parses as YAML without errors or warnings', (file) => {
    const documents = parseAllDocuments(read(file));
    expect(Array.isArray(documents)).toBe(true);
    for (const document of documents as { errors: unknown[]; warnings: unknown[] }[]) {
      expect(document.errors).toEqual([]);
      expect(document.warnings).toEqual([]);
    }
  });
});

describe('Kubernetes manifests (deploy/k8s)', () => {
  const models: Record<string, new (data: Doc) => { validate(): void }> = {
    'apps/v1/Deployment': Deployment,
    'v1/Service': Service,
    'v1/ConfigMap': ConfigMap,
    'v1/Secret': Secret,
    'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  };
  const byKind = (kind: string): Doc => Object.values(manifests).find((m) => m.kind === kind)!;

  it('has one manifest of each kind needed', () => {
    const kinds = Object.values(manifests).map((m) => `${m.apiVersion}/${m.kind}`);
    expect(kinds.sort()).toEqual(Object.keys(models).sort());
  });

  it.each(Object.keys(manifests))('%s is valid against the Kubernetes API schema', (file) => {
    const manifest = manifests[file];
    const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
    expect(Model).toBeDefined();
    expect(() => new Model(manifest).validate()).not.toThrow();
    expect(manifest.metadata.namespace).toBeUndefined();
  });

  it('the schema check does catch a broken manifest', () => {
    const broken = structuredClone(byKind('Deployment'));
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken).validate()).toThrow();
    const nameless = structuredClone(byKind('Deployment'));
    delete nameless.spec.template.spec.containers[0].name;
    expect(() => new Deployment(nameless).validate()).toThrow();
    // The API's schema allows unknown fields, so a misspelt field name is not caught here (a server dry run is).
  });

  it('kustomization.yaml lists every manifest but the example Secret', () => {
    const kustomization = parse(read(join(K8S_DIR, 'kustomization.yaml'))) as Doc;
    expect(kustomization.kind).toBe('Kustomization');
    const resources = kustomization.resources as string[];
    for (const resource of resources) expect(existsSync(join(K8S_DIR, resource))).toBe(true);
    expect([...resources].sort()).toEqual(
      Object.keys(manifests)
        .filter((f) => f !== 'secret.example.yaml')
        .sort(),
    );
  });

  it('the Deployment runs two hardened replicas with probes on /health/*, a preStop drain and the migrate init container', () => {
    const deployment = byKind('Deployment');
    const pod = deployment.spec.template.spec;
    const [app] = pod.containers;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(app.livenessProbe.httpGet.path).toBe('/health/live');
    expect(app.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(app.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(app.resources.limits.memory).toEqual(expect.any(String));
    const preStopSeconds = Number(app.lifecycle.preStop.exec.command[1]);
    expect(app.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + 10);
    const tmpVolume = (pod.volumes as Doc[]).find((v) => v.emptyDir)!;
    for (const container of [...pod.initContainers, ...pod.containers]) {
      expect(container.image).toBe(app.image);
      expect(container.securityContext).toEqual(expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
      expect(container.volumeMounts).toContainEqual({ name: tmpVolume.name, mountPath: '/tmp' });
      expect(container.envFrom).toEqual([
        { configMapRef: { name: byKind('ConfigMap').metadata.name } },
        { secretRef: { name: byKind('Secret').metadata.name } },
      ]);
    }
    expect((pod.initContainers as Doc[]).map((c) => c.command as string[])).toEqual([['node', 'dist/cli.js', 'migrate']]);
    expect(existsSync('src/cli.ts')).toBe(true);
  });

  it('the Service, HorizontalPodAutoscaler and PodDisruptionBudget point at the Deployment and its port', () => {
    const deployment = byKind('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const [app] = deployment.spec.template.spec.containers;
    const service = byKind('Service');
    expect(service.spec.selector).toEqual(labels);
    expect((app.ports as Doc[]).map((p) => p.name as string)).toContain(service.spec.ports[0].targetPort);
    expect(String(app.ports[0].containerPort)).toBe(byKind('ConfigMap').data.PORT);
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.minAvailable).toBe(1);
  });

  it('the ConfigMap and the Secret set only variables Gatehouse knows, and together make a valid production configuration', () => {
    const data = byKind('ConfigMap').data as Record<string, string>;
    const secret = byKind('Secret').stringData as Record<string, string>;
    for (const name of [...Object.keys(data), ...Object.keys(secret)]) expect(knownVariables).toContain(name);
    expect(Object.keys(secret).sort()).toEqual(['DATABASE_URL', 'DATA_ENCRYPTION_KEY', 'JWT_SECRET']);
    expect(Object.keys(data)).not.toEqual(expect.arrayContaining(['JWT_SECRET']));
    expect(data.NODE_ENV).toBe('production');
    expect(() => validateEnvironment({ ...data, ...secret, JWT_SECRET: TEST_SECRET, DATA_ENCRYPTION_KEY: TEST_DATA_KEY })).not.toThrow();
  });

  it('the example Secret holds placeholders only, which Gatehouse refuses to start with', () => {
    const source = read(join(K8S_DIR, 'secret.example.yaml'));
    expect(source).toMatch(/EXAMPLE ONLY/);
    const secret = byKind('Secret').stringData as Record<string, string>;
    expect(secret.JWT_SECRET).toMatch(/CHANGE_ME/);
    expect(secret.DATABASE_URL).toMatch(/CHANGE_ME/);
    expect(secret.DATA_ENCRYPTION_KEY).toMatch(/CHANGE_ME/);
    expect(() => validateEnvironment({ ...byKind('ConfigMap').data, ...secret, JWT_SECRET: TEST_SECRET })).toThrow(/DATA_ENCRYPTION_KEY/);
    expect(() => validateEnvironment({ ...byKind('ConfigMap').data, ...secret })).toThrow(/JWT_SECRET/);
  });
});

describe('docker-compose.yml', () => {
  const source = read('docker-compose.yml');
  const compose = parse(source) as Doc;
  const services = compose.services as Record<string, Doc>;
  const instances = ['gatehouse-1', 'gatehouse-2'];
  const dockerfileHasHealthcheck = /^HEALTHCHECK /m.test(read('Dockerfile'));

  it('has PostgreSQL, Redis, two Gatehouse instances and nginx', () => {
    expect(Object.keys(services).sort()).toEqual(['gatehouse-1', 'gatehouse-2', 'nginx', 'postgres', 'redis']);
    expect(services.postgres.image).toMatch(/^postgres:16/);
    expect((services.postgres.healthcheck.test as string[]).join(' ')).toMatch(/pg_isready/);
    expect(services.postgres.volumes[0]).toMatch(new RegExp(`^(${Object.keys(compose.volumes as Doc).join('|')}):`));
    expect(services.redis.image).toMatch(/^redis:7/);
    expect(services.nginx.image).toMatch(/^nginx:/);
    expect(services.nginx.ports).toEqual(['8080:8080']);
  });

  it('builds both instances from this Dockerfile with the same environment, naming only variables Gatehouse knows', () => {
    const [first, second] = instances.map((name) => services[name]);
    expect(first.build).toBe('.');
    expect(second.build).toBe('.');
    expect(second.environment).toEqual(first.environment);
    for (const name of Object.keys(first.environment as Doc)) expect(knownVariables).toContain(name);
    expect(first.environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
    expect(first.environment.DATA_ENCRYPTION_KEY).toMatch(/^\$\{DATA_ENCRYPTION_KEY:\?.+\}$/);
    expect(first.environment.DATABASE_URL).toBe('postgres://gatehouse:gatehouse@postgres:5432/gatehouse');
    expect(first.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(() => validateEnvironment({ ...first.environment, JWT_SECRET: TEST_SECRET, DATA_ENCRYPTION_KEY: TEST_DATA_KEY })).not.toThrow();
  });

  it('interpolates nothing but the two secrets, which it requires from the caller', () => {
    const interpolated = [...source.matchAll(/\$\{(\w+)/g)].map((m) => m[1]);
    expect(new Set(interpolated)).toEqual(new Set(['JWT_SECRET', 'DATA_ENCRYPTION_KEY']));
  });

  it('starts each service once what it depends on is healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries((service.depends_on ?? {}) as Record<string, Doc>)) {
        expect([name, dependency, condition.condition]).toEqual([name, dependency, 'service_healthy']);
        const target = services[dependency];
        expect(Boolean(target.healthcheck) || (target.build === '.' && dockerfileHasHealthcheck)).toBe(true);
      }
    }
    for (const name of instances)
      expect(Object.keys(services[name].depends_on as Doc)).toEqual(expect.arrayContaining(['postgres', 'redis']));
    expect(Object.keys(services.nginx.depends_on as Doc).sort()).toEqual(instances);
  });

  it("trusts X-Forwarded-For from nginx's address only, which lies in the network's subnet", () => {
    const address = services.nginx.networks.backend.ipv4_address as string;
    const subnet = compose.networks.backend.ipam.config[0].subnet as string;
    expect(services['gatehouse-1'].environment.TRUST_PROXY).toBe(address);
    expect(address.split('.').slice(0, 3)).toEqual(subnet.split('/')[0].split('.').slice(0, 3));
    expect(subnet.endsWith('/24')).toBe(true);
    for (const name of instances) expect(services[name].networks).toEqual(['backend']);
    expect(services[instances[0]].ports).toBeUndefined();
  });

  it("mounts deploy/nginx.conf into nginx's conf.d", () => {
    const [mount] = services.nginx.volumes as string[];
    const [hostPath, containerPath] = mount.split(':');
    expect(existsSync(hostPath)).toBe(true);
    expect(containerPath).toBe('/etc/nginx/conf.d/default.conf');
  });
});

describe('deploy/nginx.conf', () => {
  const conf = read('deploy/nginx.conf');
  const directives = conf.replace(/#.*$/gm, '');

  it('balances over exactly the compose instances, on the port the image exposes', () => {
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(directives)!;
    expect(upstream).not.toBeNull();
    const servers = [...upstream[2].matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => [m[1], m[2]]);
    const exposed = /^EXPOSE\s+(\d+)/m.exec(read('Dockerfile'))![1];
    expect(servers).toEqual([
      ['gatehouse-1', exposed],
      ['gatehouse-2', exposed],
    ]);
    const services = Object.keys((parse(read('docker-compose.yml')) as Doc).services as Doc);
    for (const [host] of servers) expect(services).toContain(host);
    expect(directives).toMatch(new RegExp(`proxy_pass\\s+http://${upstream[1]};`));
    expect(directives).toMatch(/listen\s+8080;/);
  });

  it('forwards the client address and the request id', () => {
    expect(directives).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;/);
    expect(directives).toMatch(/proxy_set_header\s+X-Request-Id\s+\$\w+;/);
    expect(directives).toMatch(/\$http_x_request_id/);
  });

  it('serves /health/live, and keeps readiness and /metrics off the public side', () => {
    expect(directives).toMatch(/location\s+=\s+\/health\/live\s*\{\s*proxy_pass/);
    expect(directives).toMatch(/location\s+\/health\s*\{\s*return 404;/);
    expect(directives).toMatch(/location\s+\/metrics\s*\{\s*return 404;/);
  });

  it('balances its braces', () => {
    expect((directives.match(/\{/g) ?? []).length).toBe((directives.match(/\}/g) ?? []).length);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { name?: string; lines: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  const [build, runtime] = [stages[0], stages.at(-1)!];
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
  const copies = (stage: { lines: string[] }) =>
    stage.lines
      .filter((l) => l.startsWith('COPY '))
      .map((l) => {
        const words = l.split(/\s+/).slice(1);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((w) => !w.startsWith('--'));
        return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
      });

  it('is multi-stage: a Node 26 build stage and a slim Node 26 runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.startsWith('FROM')).every((l) => /node:26(-bookworm)?-slim/.test(l))).toBe(true);
    expect(build.name).toBe('build');
    expect(build.lines.join('\n')).toMatch(/apt-get install .*python3 make g\+\+/);
    expect(build.lines.join('\n')).toMatch(/RUN npm ci\b/);
    expect(build.lines.join('\n')).toMatch(/npm run build/);
    expect(build.lines.join('\n')).toMatch(/npm prune --omit=dev/);
  });

  it('runs as a non-root user, in production mode, with a health check on /health/live', () => {
    const user = runtime.lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1].split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(runtime.lines).toContain('CMD ["node", "dist/main.js"]');
    expect(runtime.lines.join('\n')).toMatch(/^ENV NODE_ENV=production/m);
    expect(runtime.lines).toContain('EXPOSE 3000');
    const healthcheck = runtime.lines.find((l) => l.startsWith('HEALTHCHECK '));
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/health\/live.*"\]/);
    expect(runtime.lines.join('\n')).not.toMatch(/apt-get|npm (ci|install)/);
  });

  it('copies from the repository only files that exist and that .dockerignore lets through', () => {
    const fromContext = stages.flatMap(copies).filter((c) => !c.from);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext.flatMap((c) => c.sources)) {
      expect([source, existsSync(source)]).toEqual([source, true]);
      expect(ignored).not.toContain(source.replace(/\/$/, ''));
    }
    for (const name of ['node_modules', 'dist', 'data', '.git', 'coverage', 'test-artifacts', '.env']) expect(ignored).toContain(name);
  });

  it('copies from the build stage only what it copied in or built there', () => {
    const workdir = build.lines.find((l) => l.startsWith('WORKDIR '))!.split(/\s+/)[1];
    const outDir = (JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    const available = new Set([
      ...copies(build).flatMap((c) => c.sources.map((s) => join(workdir, c.destination.endsWith('/') ? s : c.destination))),
      join(workdir, 'node_modules'), // npm ci
      join(workdir, outDir), // npm run build
    ]);
    const fromBuild = copies(runtime).filter((c) => c.from === build.name);
    expect(fromBuild.flatMap((c) => c.sources).sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json']);
    for (const source of fromBuild.flatMap((c) => c.sources)) expect(available).toContain(source);
    expect(existsSync('src/main.ts')).toBe(true);
  });
});

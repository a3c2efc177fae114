/**
 * The deployment files (docker-compose.yml, deploy/docker, deploy/keycloak, k8s/) against the
 * code they deploy: every service is there with the port and the variables its config schema
 * knows, images are built from our Dockerfile or pinned, and the Keycloak realm mints the token
 * shape the services verify. No servers: files are parsed and cross-checked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ORG_UNIT_CODE_PATTERN, ROLES, SERVICE_NAMES, type ServiceName } from '@gm/contracts';
import { loadConfig, type ServiceConfig } from '../../libs/platform/src/config/service-config';
import { demoUsers } from '../../libs/auth/src/dev-issuer/demo-users';
import { configSchema as baseData } from '../../apps/base-data/src/config/config';
import { configSchema as systemAdmin } from '../../apps/system-admin/src/config/config';
import { configSchema as publicSentiment } from '../../apps/public-sentiment/src/config/config';
import { configSchema as serviceOffice } from '../../apps/service-office/src/config/config';
import { configSchema as commandCentre } from '../../apps/command-centre/src/config/config';
import { configSchema as mobileGateway } from '../../apps/mobile-gateway/src/config/config';
import { configSchema as gis } from '../../apps/gis/src/config/config';
import { EXAMPLE, FEDERATION_ISSUER, GRID_SERVICES, LEAF_PORT, LEAF_TLS_DIR, LEAF_TLS_SECRET, leafPasswordVariable, namespaceOf, natsServiceNames, overlayFiles, STREAMS_CONFIG_MAP, STREAMS_MOUNT, type ExampleTier } from '../../deploy/local/src/k8s-overlays';
import { jetstreamDomainOf, leafUserOf, natsServerConfig, tierStreams } from '../../libs/messaging/src/federation/topology';
import { NATS_IMAGE, NATS_SERVER_BINARY } from '../../libs/testing/src/infra/nats';
import { POSTGIS_IMAGE } from '../../libs/testing/src/infra/postgres';
import { MINIO_IMAGE } from '../../libs/testing/src/infra/s3';
import { isIgnored, parseDockerignore } from './dockerignore';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// What the services themselves say: their variables and default ports
// ---------------------------------------------------------------------------------------------

/** Each configSchema is `z.object(env).transform(...)`: `.in` is the object of known variables. */
const SCHEMAS = { 'base-data': baseData, 'system-admin': systemAdmin, 'public-sentiment': publicSentiment, 'service-office': serviceOffice, 'command-centre': commandCentre, 'mobile-gateway': mobileGateway, gis } as const;
type AnySchema = (typeof SCHEMAS)[ServiceName];

/** Read by deploy/docker/entrypoint.sh, not by the services: it picks which one the image runs. */
const IMAGE_VARIABLES = ['SERVICE'];
/** The image built from deploy/docker/Dockerfile (Kubernetes name; compose tags it too). */
const OUR_IMAGE = 'gm-platform';

function knownVariables(service: ServiceName): Set<string> {
  const schema: AnySchema = SCHEMAS[service];
  return new Set([...Object.keys(schema.in.shape), ...IMAGE_VARIABLES]);
}

function configOf(service: ServiceName, env: Record<string, string | undefined>): ServiceConfig {
  const schema: AnySchema = SCHEMAS[service];
  const withoutImageVars = Object.fromEntries(Object.entries(env).filter(([k]) => !IMAGE_VARIABLES.includes(k)));
  return loadConfig(schema, withoutImageVars) as ServiceConfig;
}

const REQUIRED_ONLY = {
  TIER_CODE: '350206',
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgres://127.0.0.1/gm',
  OIDC_ISSUER: 'http://127.0.0.1/realms/gm',
  // base-data's required keys; other services' schemas ignore them.
  PII_KEYS: `1:${Buffer.alloc(32, 1).toString('base64')}`,
  PII_HASH_KEY: Buffer.alloc(32, 2).toString('base64'),
};
const defaultPort = (service: ServiceName) => configOf(service, REQUIRED_ONLY).http.port;

/** `docker.io/library/x:1.2@sha256:…` → repository and tag (undefined when there is none). */
function imageRef(image: string): { repository: string; tag: string | undefined; digest: boolean } {
  const [name = '', digest] = image.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest: digest !== undefined } : { repository: name, tag: undefined, digest: digest !== undefined };
}

function expectPinned(image: string): void {
  const { tag, digest } = imageRef(image);
  if (digest) return;
  expect({ image, tag }).toEqual({ image, tag: expect.stringMatching(/^[\w][\w.-]*$/) });
  expect({ image, latest: tag === 'latest' || /^(main|master|edge|nightly|stable)$/.test(tag ?? '') }).toEqual({ image, latest: false });
}

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`, resolved as if no VAR were set. */
function interpolate(value: string, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    if (fallback === undefined) throw new Error(`${where}: \${${name}} has no default, so the file does not work as shipped`);
    return fallback;
  });
}

// ---------------------------------------------------------------------------------------------
// The Keycloak realm export (checked below, and cross-checked against compose)
// ---------------------------------------------------------------------------------------------

interface Mapper {
  name: string;
  protocolMapper: string;
  config: Record<string, string>;
}
interface Realm {
  realm: string;
  roles?: { realm?: { name: string }[] };
  clients?: { clientId: string; publicClient?: boolean; directAccessGrantsEnabled?: boolean; bearerOnly?: boolean; protocolMappers?: Mapper[]; defaultClientScopes?: string[] }[];
  clientScopes?: { name: string; protocolMappers?: Mapper[] }[];
  users?: { username: string; enabled?: boolean; realmRoles?: string[]; attributes?: Record<string, string[]>; credentials?: { type: string; value: string; temporary?: boolean }[] }[];
  components?: Record<string, { providerId: string; config?: Record<string, string[]> }[]>;
}

const realm = JSON.parse(read('deploy/keycloak/realm-gm.json')) as Realm;
const webClient = () => realm.clients?.find((c) => c.clientId === 'gm-web');
const audienceMapper = () => webClient()?.protocolMappers?.find((m) => m.protocolMapper === 'oidc-audience-mapper');
const orgUnitMapper = () => webClient()?.protocolMappers?.find((m) => m.protocolMapper === 'oidc-usermodel-attribute-mapper' && m.config['user.attribute'] === 'org_unit');

// ---------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  configs?: (string | { source: string; target?: string })[];
  profiles?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string; file?: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;

function composeEnv(name: string): Record<string, string> {
  const env = compose.services[name]?.environment ?? {};
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, `compose ${name}.${k}`)]));
}

/** Container ports of the short (`[ip:]host:container[/proto]`) and long syntaxes. */
function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return p.target;
    const parts = String(p).split('/')[0]!.split(':');
    return Number(parts[parts.length - 1]);
  });
}

function composeBuild(service: ComposeService): { context: string; dockerfile: string } | undefined {
  if (service.build === undefined) return undefined;
  if (typeof service.build === 'string') return { context: service.build, dockerfile: 'Dockerfile' };
  return { context: service.build.context ?? '.', dockerfile: service.build.dockerfile ?? 'Dockerfile' };
}

const hostOf = (url: string) => new URL(url).hostname;

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFilesUnder(path);
    return e.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name) ? [path] : [];
  });
}

/**
 * The database pools a service opens: MikroORM's, and a plain pg pool for each module that
 * provides ServiceSql (libs/platform/src/service-sql.ts; each module gets an instance of its own).
 */
const poolsOf = (service: ServiceName) => 1 + tsFilesUnder(join(ROOT, 'apps', service, 'src')).filter((f) => /providers:\s*\[[^\]]*\bServiceSql\b/.test(readFileSync(f, 'utf8'))).length;
/** Connections one instance of a service may hold: its pools at DATABASE_POOL_MAX, its outbox relay's, and its migration lock's while it starts. */
const connectionsOf = (service: ServiceName, poolMax: number) => poolsOf(service) * poolMax + 2;
/** PostgreSQL keeps superuser_reserved_connections (3) of max_connections; the services may take 80 % of the rest, the remainder is headroom. */
const connectionBudget = (maxConnections: number) => Math.floor(0.8 * (maxConnections - 3));

describe('the services this file checks the deployment against', () => {
  it('are the seven of @gm/contracts, each with its own default port', () => {
    expect(Object.keys(SCHEMAS).sort()).toEqual([...SERVICE_NAMES].sort());
    const ports = SERVICE_NAMES.map(defaultPort);
    expect(new Set(ports).size).toBe(SERVICE_NAMES.length);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });
});

describe('docker-compose.yml', () => {
  it('runs the seven services and the tier infrastructure', () => {
    const names = Object.keys(compose.services);
    expect(names).toEqual(expect.arrayContaining([...SERVICE_NAMES]));
    const images = Object.values(compose.services).map((s) => imageRef(s.image ?? '').repository);
    expect(images).toEqual(expect.arrayContaining(['postgis/postgis', 'nats', 'quay.io/keycloak/keycloak', 'jaegertracing/all-in-one']));
    expect(images.some((i) => i.endsWith('minio/minio'))).toBe(true);
  });

  describe.each(SERVICE_NAMES.map((s) => [s]))('%s', (service) => {
    const spec = () => compose.services[service]!;

    it('is built from deploy/docker/Dockerfile and runs as itself', () => {
      const build = composeBuild(spec());
      expect(build).toBeDefined();
      const dockerfile = resolve(ROOT, build!.context, build!.dockerfile);
      expect(relative(ROOT, dockerfile)).toBe(join('deploy', 'docker', 'Dockerfile'));
      expect(existsSync(dockerfile)).toBe(true);
      expect(composeEnv(service)['SERVICE']).toBe(service);
    });

    it('names only variables its config schema reads', () => {
      const known = knownVariables(service);
      expect(Object.keys(composeEnv(service)).filter((k) => !known.has(k))).toEqual([]);
    });

    it('has a configuration the service accepts, on its default port, published as is', () => {
      const config = configOf(service, composeEnv(service));
      expect(config.http.port).toBe(defaultPort(service));
      expect(config.tier).toBe('350206');
      expect(containerPorts(spec())).toEqual([defaultPort(service)]);
    });

    it('points every URL at a service of this file (or the host-facing issuer)', () => {
      const env = composeEnv(service);
      const config = configOf(service, env);
      const inside = [config.database.url, ...config.nats.servers, config.oidc.jwksUri, config.telemetry.otlpEndpoint].filter((u): u is string => u !== undefined);
      expect(inside.length).toBeGreaterThanOrEqual(4);
      const services = Object.keys(compose.services);
      for (const url of inside) expect({ url, resolves: services.includes(hostOf(url)) }).toEqual({ url, resolves: true });
    });

    it('is healthy only when /readyz says so, and starts after PostgreSQL and NATS are healthy', () => {
      const test = spec().healthcheck?.test;
      expect([test].flat().join(' ')).toContain('/readyz');
      const dependsOn = spec().depends_on;
      expect(dependsOn).toBeDefined();
      expect(Array.isArray(dependsOn)).toBe(false);
      const conditions = dependsOn as Record<string, { condition?: string }>;
      const db = Object.keys(compose.services).find((n) => imageRef(compose.services[n]!.image ?? '').repository === 'postgis/postgis')!;
      const nats = Object.keys(compose.services).find((n) => imageRef(compose.services[n]!.image ?? '').repository === 'nats')!;
      expect(conditions[db]?.condition).toBe('service_healthy');
      expect(conditions[nats]?.condition).toBe('service_healthy');
    });
  });

  it('builds one image for all seven services', () => {
    const images = new Set(SERVICE_NAMES.map((s) => compose.services[s]!.image));
    expect(images.size).toBe(1);
    expect(imageRef([...images][0] ?? '').repository).toBe(OUR_IMAGE);
  });

  it('pins every third-party image and builds nothing else', () => {
    // Ours: the seven, and the second tier's (profile `street`), each naming its SERVICE.
    const thirdParty = Object.entries(compose.services).filter(([name]) => !(SERVICE_NAMES as readonly string[]).includes(name) && !composeEnv(name)['SERVICE']);
    expect(thirdParty.length).toBeGreaterThanOrEqual(5);
    for (const [name, spec] of thirdParty) {
      expect({ name, build: spec.build }).toEqual({ name, build: undefined });
      expect(spec.image).toBeDefined();
      expectPinned(spec.image!);
    }
  });

  it('gives NATS JetStream with the domain the services use', () => {
    const [name, nats] = Object.entries(compose.services).find(([, s]) => imageRef(s.image ?? '').repository === 'nats')!;
    const configNames = (nats.configs ?? []).map((c) => (typeof c === 'string' ? c : c.source));
    const text = configNames.map((c) => compose.configs?.[c]?.content ?? (compose.configs?.[c]?.file ? read(compose.configs[c]!.file!) : '')).join('\n');
    const args = [nats.command ?? []].flat().join(' ');
    expect(/\bjetstream\s*\{/.test(text) || /(^|\s)(-js|--jetstream)(\s|$)/.test(args)).toBe(true);
    const domain = /\bdomain\s*:\s*"?([A-Za-z0-9_-]+)/.exec(text)?.[1];
    for (const service of SERVICE_NAMES) {
      const env = composeEnv(service);
      expect({ service, domain: env['JETSTREAM_DOMAIN'] }).toEqual({ service, domain });
      expect(configOf(service, env).nats.servers.map(hostOf)).toEqual([name]);
    }
  });

  it('imports the realm file that the services trust', () => {
    const [, keycloak] = Object.entries(compose.services).find(([, s]) => imageRef(s.image ?? '').repository === 'quay.io/keycloak/keycloak')!;
    expect([keycloak.command ?? []].flat().join(' ')).toContain('--import-realm');
    const mounts = (keycloak.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0]!, target: v.split(':')[1]! } : { source: v.source ?? '', target: v.target }));
    const realmMounts = mounts.filter((m) => m.target.startsWith('/opt/keycloak/data/import/') && m.source.endsWith('.json'));
    expect(realmMounts).toHaveLength(1);
    const realmPath = resolve(ROOT, realmMounts[0]!.source);
    expect(relative(ROOT, realmPath)).toBe(join('deploy', 'keycloak', 'realm-gm.json'));
    expect(existsSync(realmPath)).toBe(true);

    for (const service of SERVICE_NAMES) {
      const { oidc } = configOf(service, composeEnv(service));
      expect(oidc.issuer).toMatch(new RegExp(`/realms/${realm.realm}$`));
      expect(oidc.audience).toBe(audienceMapper()?.config['included.client.audience']);
      expect(oidc.orgUnitClaim).toBe(orgUnitMapper()?.config['claim.name']);
      if (oidc.jwksUri) expect(oidc.jwksUri).toMatch(new RegExp(`/realms/${realm.realm}/protocol/openid-connect/certs$`));
    }
  });
});

describe('docker-compose.yml: images, mounts, connections, object storage and metrics', () => {
  // The running services: a deploy step (the same image running a command, such as `apply-streams`) exits.
  const ours = () => Object.keys(compose.services).filter((name) => composeEnv(name)['SERVICE'] !== undefined && compose.services[name]!.command === undefined);
  const byRepository = (repository: string) => Object.entries(compose.services).filter(([, s]) => imageRef(s.image ?? '').repository === repository);
  const bindMounts = (service: ComposeService) =>
    (service.volumes ?? [])
      .map((v) => (typeof v === 'string' ? { source: v.split(':')[0]!, target: v.split(':')[1]! } : { source: v.source ?? '', target: v.target }))
      .filter((m) => m.source.startsWith('.') || m.source.startsWith('/'));

  it("runs the images the test harness's containers use (libs/testing), so that tests and deployment cannot drift apart", () => {
    expect(byRepository(imageRef(POSTGIS_IMAGE).repository).map(([, s]) => s.image)).toEqual([POSTGIS_IMAGE]);
    expect(byRepository(imageRef(NATS_IMAGE).repository).map(([, s]) => s.image)).toEqual([NATS_IMAGE, NATS_IMAGE]);
    expect(byRepository(imageRef(MINIO_IMAGE).repository).map(([, s]) => s.image)).toEqual([MINIO_IMAGE]);
    const k8sNats = kustomizationObjects(join(ROOT, 'k8s/base')).flatMap((o) => o.spec?.template?.spec.containers ?? []).filter((c) => imageRef(c.image).repository === 'nats');
    expect(k8sNats.map((c) => c.image)).toEqual([NATS_IMAGE]);
  });

  it('bind-mounts only files of this repository that exist', () => {
    const mounts = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).map((m) => ({ name, ...m })));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const m of mounts) {
      const path = resolve(ROOT, m.source);
      expect({ ...m, inside: !relative(ROOT, path).startsWith('..'), file: existsSync(path) && statSync(path).isFile() }).toEqual({ ...m, inside: true, file: true });
    }
  });

  it("sizes the services' database pools to fit PostgreSQL's max_connections, with headroom", () => {
    const [dbName, db] = byRepository('postgis/postgis')[0]!;
    const setting = /-c\s+max_connections=(\d+)/.exec([db.command ?? []].flat().join(' '));
    const maxConnections = Number(setting?.[1] ?? 100);
    let total = 0;
    const shares: string[] = [];
    for (const name of ours()) {
      const env = composeEnv(name);
      const config = configOf(env['SERVICE'] as ServiceName, env);
      expect(hostOf(config.database.url)).toBe(dbName);
      // Set on purpose for each service, not left at the schema's default.
      expect({ name, DATABASE_POOL_MAX: env['DATABASE_POOL_MAX'] }).toEqual({ name, DATABASE_POOL_MAX: expect.stringMatching(/^\d+$/) });
      const n = connectionsOf(env['SERVICE'] as ServiceName, config.database.poolMax);
      shares.push(`${name} ${n}`);
      total += n;
    }
    expect({ total, budget: connectionBudget(maxConnections), fits: total <= connectionBudget(maxConnections), shares }).toMatchObject({ fits: true });
  });

  it('signs photo links for the object storage as phones and browsers reach it (S3_PUBLIC_ENDPOINT), not as the containers do', () => {
    const gateways = ours().filter((name) => composeEnv(name)['SERVICE'] === 'mobile-gateway');
    expect(gateways.length).toBe(2);
    for (const name of gateways) {
      const env = composeEnv(name);
      const [minioName, minio] = byRepository(imageRef(MINIO_IMAGE).repository)[0]!;
      expect(hostOf(env['S3_ENDPOINT']!)).toBe(minioName);
      const publicUrl = new URL(env['S3_PUBLIC_ENDPOINT']!);
      expect(Object.keys(compose.services)).not.toContain(publicUrl.hostname);
      // Published on that port, on every interface (a phone on the LAN).
      expect((minio.ports ?? []).map(String)).toContain(`${publicUrl.port}:9000`);
      expect(() => loadConfig(mobileGateway, env)).not.toThrow();
    }
  });

  it('runs Prometheus with deploy/observability/prometheus.yml, scraping GET /metrics of every service on its HTTP port, with the alert rules mounted', () => {
    const [, prometheus] = byRepository('prom/prometheus')[0] ?? [];
    expect(prometheus).toBeDefined();
    const mounts = bindMounts(prometheus!);
    const configFile = /--config\.file=(\S+)/.exec([prometheus!.command ?? []].flat().join(' '))?.[1] ?? '/etc/prometheus/prometheus.yml';
    const configMount = mounts.find((m) => m.target === configFile);
    expect(configMount?.source).toBe('./deploy/observability/prometheus.yml');
    const config = parse(read('deploy/observability/prometheus.yml')) as {
      rule_files?: string[];
      scrape_configs: { job_name: string; metrics_path?: string; static_configs?: { targets: string[]; labels?: Record<string, string> }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    for (const rules of config.rule_files ?? []) expect(mounts.map((m) => m.target)).toContain(rules);
    expect(mounts.find((m) => m.target === config.rule_files?.[0])?.source).toBe('./deploy/observability/alert-rules.yml');
    const scraped = config.scrape_configs
      .filter((job) => (job.metrics_path ?? '/metrics') === '/metrics')
      .flatMap((job) => [...(job.static_configs ?? []).flatMap((s) => s.targets), ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`))]);
    for (const name of ours()) {
      const env = composeEnv(name);
      expect(scraped).toContain(`${name}:${configOf(env['SERVICE'] as ServiceName, env).http.port}`);
    }
    // A rule that selects a job selects one of these.
    const rules = read('deploy/observability/alert-rules.yml');
    const jobs = config.scrape_configs.map((job) => job.job_name);
    for (const [, job] of rules.matchAll(/\bjob\s*=~?\s*"([^"]+)"/g)) expect(jobs).toContain(job);
  });

  it('provisions Grafana with Prometheus as its data source and the dashboard file', () => {
    const [, grafana] = byRepository('grafana/grafana')[0] ?? [];
    expect(grafana).toBeDefined();
    const content = (name: string) => parse(compose.configs?.[name]?.content ?? '') as Record<string, unknown>;
    const configs = (grafana!.configs ?? []).map((c) => (typeof c === 'string' ? { source: c, target: `/${c}` } : c));
    const datasources = configs.find((c) => c.target?.startsWith('/etc/grafana/provisioning/datasources/'));
    const providers = configs.find((c) => c.target?.startsWith('/etc/grafana/provisioning/dashboards/'));
    const source = (content(datasources!.source) as { datasources: { type: string; url: string }[] }).datasources.find((d) => d.type === 'prometheus');
    expect(source?.url).toBe('http://prometheus:9090');
    const path = (content(providers!.source) as { providers: { options: { path: string } }[] }).providers[0]!.options.path;
    const dashboard = bindMounts(grafana!).find((m) => m.target.startsWith(`${path}/`));
    expect(dashboard?.source).toBe('./deploy/observability/grafana-dashboard.json');
  });
});

// ---------------------------------------------------------------------------------------------
// deploy/docker
// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml: the second tier (profile `street`)', () => {
  const content = (name: string) => interpolate(compose.configs?.[name]?.content ?? '', `configs.${name}`);
  const extra = { top: ['http: "0.0.0.0:8222"'], jetstream: ['sync_interval: always'] };
  const street = ['nats-street', 'public-sentiment-street', 'mobile-gateway-street'];

  it('runs only with the profile, and its services are public-sentiment and mobile-gateway of street 350206001', () => {
    for (const name of street) expect(compose.services[name]?.profiles).toEqual(['street']);
    for (const name of ['public-sentiment-street', 'mobile-gateway-street']) {
      const env = composeEnv(name);
      const config = configOf(env['SERVICE'] as ServiceName, env);
      expect(config.tier).toBe('350206001');
      expect(config.nats.jetstreamDomain).toBe(jetstreamDomainOf('350206001'));
      expect(hostOf(config.nats.servers[0]!)).toBe('nats-street');
      // Its own database, created by the PostgreSQL init script.
      expect(new URL(config.database.url).pathname).toBe('/gm_street');
    }
    expect(content('postgres-init-street')).toContain('CREATE DATABASE gm_street');
    const ps = loadConfig(publicSentiment, composeEnv('public-sentiment-street'));
    expect(ps.own.FEDERATION_ENABLED).toBe(true);
    expect(loadConfig(publicSentiment, composeEnv('public-sentiment')).own.FEDERATION_ENABLED).toBe(true);
    // Each tier's gateway reads the other's attachments.
    for (const gw of ['mobile-gateway', 'mobile-gateway-street']) expect(loadConfig(mobileGateway, composeEnv(gw)).own.FEDERATION_ENABLED).toBe(true);
  });

  it('configures both NATS servers exactly as the federation generator does (domains, leaf user with permissions, remote)', () => {
    const passwords = { services: 'gm-nats-dev-only', leaf: 'gm-leaf-dev-only', system: 'gm-nats-system-dev-only' };
    expect(new URL(composeEnv('public-sentiment')['NATS_URL']!).password).toBe(passwords.services);
    // The system account's user has a password of its own.
    for (const name of ['nats-config', 'nats-street-config']) expect(content(name)).toContain(`SYS { users: [ { user: "system", password: "${passwords.system}" } ] }`);
    expect(content('nats-config')).toBe(
      natsServerConfig({
        tier: { code: '350206', parent: null },
        children: ['350206001'],
        ports: { client: 4222, leaf: 7422 },
        storeDir: '/data/jetstream',
        passwords: { services: passwords.services, system: passwords.system, children: { '350206001': passwords.leaf } },
        host: '0.0.0.0',
        extra,
      }),
    );
    expect(content('nats-street-config')).toBe(
      natsServerConfig({
        tier: { code: '350206001', parent: '350206' },
        children: [],
        ports: { client: 4222 },
        parentLeafUrl: 'nats-leaf://nats:7422',
        storeDir: '/data/jetstream',
        passwords: { services: passwords.services, system: passwords.system, children: {}, uplink: passwords.leaf },
        host: '0.0.0.0',
        extra,
      }),
    );
  });

  it("applies each tier's generated federation streams in a one-shot step that its public-sentiment waits for", () => {
    expect(JSON.parse(content('district-streams'))).toEqual(tierStreams({ code: '350206', parent: null }, ['350206001']));
    expect(JSON.parse(content('street-streams'))).toEqual(tierStreams({ code: '350206001', parent: '350206' }, []));
    const tiers = [
      { step: 'streams', source: 'district-streams', service: 'public-sentiment', nats: 'nats' },
      { step: 'streams-street', source: 'street-streams', service: 'public-sentiment-street', nats: 'nats-street' },
    ] as const;
    for (const t of tiers) {
      const step = compose.services[t.step]!;
      const mounts = (step.configs ?? []).map((c) => (typeof c === 'string' ? { source: c, target: `/${c}` } : c));
      const [command, file] = step.command as string[];
      expect(command).toBe('apply-streams');
      expect(mounts).toContainEqual({ source: t.source, target: file });
      // The image's public-sentiment runs the command, against the same tier's NATS as the service.
      expect(step.image).toBe(compose.services[t.service]!.image);
      const env = composeEnv(t.step);
      expect(env['SERVICE']).toBe('public-sentiment');
      const stepConfig = configOf('public-sentiment', env);
      const serviceConfig = configOf('public-sentiment', composeEnv(t.service));
      expect(stepConfig.nats).toEqual(serviceConfig.nats);
      expect(hostOf(stepConfig.nats.servers[0]!)).toBe(t.nats);
      expect((step.depends_on as Record<string, { condition?: string }>)[t.nats]).toEqual({ condition: 'service_healthy' });
      expect((compose.services[t.service]!.depends_on as Record<string, { condition?: string }>)[t.step]).toEqual({ condition: 'service_completed_successfully' });
      // The running service provisions nothing itself.
      expect(composeEnv(t.service)['FEDERATION_STREAMS_FILE']).toBeUndefined();
      expect(compose.services[t.service]!.configs ?? []).toEqual([]);
    }
    expect(compose.services['streams-street']?.profiles).toEqual(['street']);
  });
});

describe('deploy/docker', () => {
  const dockerfile = read('deploy/docker/Dockerfile');
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on Node 24 (the version of .nvmrc) with npm ci and tsc -b deploy/docker/tsconfig.build.json', () => {
    const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    expect(nodeVersion).toBe(read('.nvmrc').trim().replace(/^v/, ''));
    const froms = instructions.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/));
    const stages = froms.map((words) => (words[2]?.toUpperCase() === 'AS' ? words[3] : undefined)).filter(Boolean);
    const bases = froms.map((words) => words[1]!).filter((image) => !stages.includes(image));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:(\$\{NODE_VERSION\}|24\.[\d.]+)(-[\w.-]+)?$/);
    expect(instructions.some((l) => /^RUN\b.*\bnpm ci\b/.test(l) && !/--omit=dev/.test(l))).toBe(true);
    expect(instructions.some((l) => /^RUN\b.*\bnpm ci\b.*--omit=dev/.test(l))).toBe(true);
    expect(instructions.some((l) => /^RUN\b.*\btsc -b deploy\/docker\/tsconfig\.build\.json\b/.test(l))).toBe(true);
  });

  /** A tsconfig's references, as repository paths of the referenced tsconfig files. */
  const referencesOf = (tsconfig: string) =>
    ((JSON.parse(read(tsconfig)) as { references?: { path: string }[] }).references ?? []).map((r) => {
      const path = relative(ROOT, resolve(ROOT, dirname(tsconfig), r.path));
      return path.endsWith('.json') ? path : join(path, 'tsconfig.json');
    });

  it("builds every service into apps/<service>/dist (the image's tsconfig, which npm test's root tsconfig.build.json builds too)", () => {
    const paths = referencesOf('deploy/docker/tsconfig.build.json').map((r) => dirname(r));
    expect(paths).toEqual(expect.arrayContaining(SERVICE_NAMES.map((s) => `apps/${s}`)));
    expect(referencesOf('tsconfig.build.json')).toContain('deploy/docker/tsconfig.build.json');
    for (const s of SERVICE_NAMES) {
      const app = JSON.parse(read(`apps/${s}/tsconfig.build.json`)) as { compilerOptions?: { outDir?: string; rootDir?: string } };
      expect({ s, outDir: app.compilerOptions?.outDir, rootDir: app.compilerOptions?.rootDir }).toEqual({ s, outDir: 'dist', rootDir: 'src' });
      expect(existsSync(join(ROOT, `apps/${s}/src/main.ts`))).toBe(true);
    }
  });

  it('starts through an entrypoint script that exists, is executable and runs apps/$SERVICE/dist/main.js', () => {
    const entrypoint = instructions.find((l) => /^ENTRYPOINT\s/i.test(l));
    expect(entrypoint).toBeDefined();
    const target = (JSON.parse(entrypoint!.replace(/^ENTRYPOINT\s+/i, '')) as string[])[0]!;
    const copy = instructions.find((l) => /^COPY\s/i.test(l) && l.split(/\s+/).at(-1) === target);
    expect(copy).toBeDefined();
    const source = copy!.split(/\s+/).filter((w) => !w.startsWith('--')).at(-2)!;
    expect(source).toBe('deploy/docker/entrypoint.sh');
    const script = join(ROOT, source);
    expect(existsSync(script)).toBe(true);
    expect(statSync(script).mode & 0o111).not.toBe(0);
    const text = readFileSync(script, 'utf8');
    expect(text.startsWith('#!/bin/sh')).toBe(true);
    expect(text).toMatch(/exec node "?\$main"? "\$@"/);
    expect(text).toMatch(/main="\/app\/apps\/\$\{SERVICE\}\/dist\/main\.js"/);
    expect(instructions).toContain('WORKDIR /app');
  });

  it('runs as a numeric non-root user (so that runAsNonRoot can check it)', () => {
    const users = instructions.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]!);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('keeps node_modules and build output out of the context, but not what the build needs', () => {
    const patterns = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', '**/dist']));
    const needed = ['apps', 'libs', 'deploy', 'deploy/docker', 'deploy/docker/entrypoint.sh', 'deploy/docker/tsconfig.build.json', 'deploy/local', 'package.json', 'package-lock.json', 'tsconfig.build.json', 'tsconfig.base.json', '*.json', '**/*.ts', '**/package.json'];
    expect(patterns.filter((p) => needed.includes(p.replace(/^\/|\/$/g, '')))).toEqual([]);
  });

  it("references nothing from the image's tsconfig that .dockerignore leaves out (bench/ once did: TS5083)", () => {
    // The quick check; test/deploy/image-context.int-spec.ts builds the filtered context for real.
    const ignore = parseDockerignore(read('.dockerignore'));
    const seen = new Set<string>();
    const visit = (tsconfig: string) => {
      if (seen.has(tsconfig)) return;
      seen.add(tsconfig);
      expect({ tsconfig, inContext: !isIgnored(ignore, tsconfig) }).toEqual({ tsconfig, inContext: true });
      referencesOf(tsconfig).forEach(visit);
    };
    visit('deploy/docker/tsconfig.build.json');
    expect(seen.size).toBeGreaterThan(SERVICE_NAMES.length);
  });
});

// ---------------------------------------------------------------------------------------------
// deploy/keycloak/realm-gm.json
// ---------------------------------------------------------------------------------------------

describe('deploy/keycloak/realm-gm.json', () => {
  it('is the realm gm with exactly the eight platform roles (plus Keycloak defaults)', () => {
    expect(realm.realm).toBe('gm');
    const names = (realm.roles?.realm ?? []).map((r) => r.name).filter((n) => !['offline_access', 'uma_authorization'].includes(n) && !n.startsWith('default-roles-'));
    expect(names.sort()).toEqual([...ROLES].sort());
  });

  it('has the public client gm-web, usable with the demo password flow', () => {
    expect(webClient()).toMatchObject({ publicClient: true, directAccessGrantsEnabled: true });
    expect(realm.clients?.some((c) => c.clientId === 'gm-api' && c.publicClient !== true)).toBe(true);
  });

  it('puts org_unit and the gm-api audience in the access token, and realm roles in realm_access', () => {
    expect(orgUnitMapper()?.config).toMatchObject({ 'claim.name': 'org_unit', 'access.token.claim': 'true', multivalued: 'false' });
    expect(audienceMapper()?.config).toMatchObject({ 'included.client.audience': 'gm-api', 'access.token.claim': 'true' });
    // Keycloak's default `roles` scope maps realm roles to realm_access.roles; it must not be dropped.
    const scopes = webClient()?.defaultClientScopes;
    if (scopes) expect(scopes).toEqual(expect.arrayContaining(['roles', 'basic']));
    const ownRoleMapper = [...(webClient()?.protocolMappers ?? []), ...(realm.clientScopes ?? []).flatMap((s) => s.protocolMappers ?? [])].find((m) => m.protocolMapper === 'oidc-usermodel-realm-role-mapper');
    if (ownRoleMapper) expect(ownRoleMapper.config['claim.name']).toBe('realm_access.roles');
  });

  it('stores org_unit as a user attribute (declared in the user profile, or unmanaged attributes enabled)', () => {
    const profile = realm.components?.['org.keycloak.userprofile.UserProfileProvider']?.find((c) => c.providerId === 'declarative-user-profile');
    const upConfig = JSON.parse(profile?.config?.['kc.user.profile.config']?.[0] ?? '{}') as {
      attributes?: { name: string; validations?: { pattern?: { pattern: string } }; permissions?: { edit?: string[] } }[];
      unmanagedAttributePolicy?: string;
    };
    const declared = upConfig.attributes?.find((a) => a.name === 'org_unit');
    if (declared) {
      // Users must not move themselves to another org unit: only admins edit it.
      expect(declared.permissions?.edit ?? []).not.toContain('user');
      expect(declared.validations?.pattern?.pattern).toBe(ORG_UNIT_CODE_PATTERN.source);
      // Keycloak keeps username/email/firstName/lastName only if the stored config declares them.
      expect(upConfig.attributes?.map((a) => a.name)).toEqual(expect.arrayContaining(['username', 'email', 'firstName', 'lastName']));
    } else {
      expect(['ENABLED', 'ADMIN_EDIT']).toContain(upConfig.unmanagedAttributePolicy);
    }
  });

  it('has the dev issuer demo users, with the same roles and org units and the password demo', () => {
    const expected = demoUsers('350206', 'demo').map((u) => ({ username: u.username, roles: [...u.roles].sort(), orgUnit: [u.orgUnit], department: u.department ? [u.department] : undefined, password: u.password }));
    const actual = (realm.users ?? []).map((u) => ({
      username: u.username,
      roles: (u.realmRoles ?? []).filter((r) => (ROLES as readonly string[]).includes(r)).sort(),
      orgUnit: u.attributes?.['org_unit'],
      department: u.attributes?.['department'],
      password: u.credentials?.find((c) => c.type === 'password' && c.temporary === false)?.value,
    }));
    expect(actual).toEqual(expected);
    for (const u of realm.users ?? []) expect(u.enabled).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// k8s/
// ---------------------------------------------------------------------------------------------

interface K8sEnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface K8sProbe {
  httpGet?: { path: string; port: number | string };
}
interface K8sContainer {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: K8sEnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: K8sProbe;
  livenessProbe?: K8sProbe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface K8sPodSpec {
  containers: K8sContainer[];
  initContainers?: K8sContainer[];
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    template?: { spec: K8sPodSpec };
    jobTemplate?: { spec: { template: { spec: K8sPodSpec } } };
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
}
interface Kustomization {
  namespace?: string;
  resources?: string[];
  patches?: { path?: string; patch?: string; target?: { kind: string; name: string } }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  configMapGenerator?: { name: string; files?: string[] }[];
}

function yamlFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(e.name) ? [path] : [];
  });
}

function parseYamlDocs(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length > 0) throw new Error(`${relative(ROOT, path)}: ${errors.join('; ')}`);
  return docs.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
}

function memo<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

/** The objects a kustomization renders from its resources (files and nested kustomizations). */
function kustomizationObjects(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  return (k.resources ?? []).flatMap((r) => {
    const path = join(dir, r);
    if (statSync(path).isDirectory()) return kustomizationObjects(path);
    return parseYamlDocs(path) as K8sObject[];
  });
}

const K8S = join(ROOT, 'k8s');
const BASE = join(K8S, 'base');
const podSpecOf = (o: K8sObject): K8sPodSpec | undefined => o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec.template.spec;
const envValue = (c: K8sContainer, name: string) => c.env?.find((e) => e.name === name)?.value;

describe('k8s/', () => {
  const allFiles = yamlFilesUnder(K8S);
  const kustomizations = allFiles.filter((f) => /(^|\/)kustomization\.ya?ml$/.test(f));
  /** What `kubectl kustomize k8s/base` renders (before its transformations). */
  const baseObjects = memo(() => kustomizationObjects(BASE));
  /** Patch files of the overlays: fragments, not objects of their own. */
  const patchFiles = kustomizations.flatMap((k) =>
    ((parse(readFileSync(k, 'utf8')) as Kustomization).patches ?? []).flatMap((p) => (p.path ? [join(dirname(k), p.path)] : [])),
  );
  /** Every object written under k8s/, templates included (the Secret example): what envFrom may name. */
  const allObjects = memo(() => allFiles.filter((f) => !kustomizations.includes(f) && !patchFiles.includes(f)).flatMap((f) => parseYamlDocs(f) as K8sObject[]));

  it('parses, and every kustomization resource exists', () => {
    expect(allFiles.length).toBeGreaterThan(3);
    expect(kustomizations).toContain(join(BASE, 'kustomization.yaml'));
    for (const file of kustomizations) {
      const k = parse(readFileSync(file, 'utf8')) as Kustomization;
      expect(k.resources?.length ?? 0).toBeGreaterThan(0);
      for (const r of k.resources ?? []) {
        const path = join(dirname(file), r);
        const ok = existsSync(path) && (statSync(path).isFile() || existsSync(join(path, 'kustomization.yaml')));
        expect({ kustomization: relative(ROOT, file), resource: r, exists: ok }).toEqual({ kustomization: relative(ROOT, file), resource: r, exists: true });
      }
    }
    for (const o of allObjects()) expect(o).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
  });

  it('sets a real tag for the platform image', () => {
    const k = parse(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8')) as Kustomization;
    const entry = k.images?.find((i) => i.name === OUR_IMAGE);
    expect(entry).toBeDefined();
    expect(entry!.digest ?? entry!.newTag).toMatch(/^(?!latest$)[\w][\w.:-]*$/);
  });

  it('pins every third-party image', () => {
    const containers = allObjects().flatMap((o) => {
      const pod = podSpecOf(o);
      return pod ? [...pod.containers, ...(pod.initContainers ?? [])] : [];
    });
    const thirdParty = containers.filter((c) => imageRef(c.image).repository !== OUR_IMAGE);
    expect(thirdParty.length).toBeGreaterThan(0);
    for (const c of thirdParty) expectPinned(c.image);
  });

  it('runs NATS with JetStream, reachable as NATS_URL says, with the domain the services use', () => {
    const tierConfig = baseObjects().find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gm-tier');
    expect(tierConfig?.data).toBeDefined();
    const natsHost = hostOf((tierConfig!.data!['NATS_URL'] ?? '').split(',')[0]!);
    expect(baseObjects().some((o) => o.kind === 'Service' && o.metadata.name === natsHost)).toBe(true);
    const workload = baseObjects().find((o) => ['StatefulSet', 'Deployment'].includes(o.kind) && podSpecOf(o)?.containers.some((c) => imageRef(c.image).repository === 'nats'));
    expect(workload).toBeDefined();
    const configText = baseObjects().filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.values(o.data ?? {})).find((t) => /\bjetstream\s*\{/.test(t));
    expect(configText).toBeDefined();
    expect(/\bdomain\s*:\s*"?([A-Za-z0-9_-]+)/.exec(configText!)?.[1]).toBe(tierConfig!.data!['JETSTREAM_DOMAIN']);
  });

  describe.each(SERVICE_NAMES.map((s) => [s]))('%s', (service) => {
    const deployment = () => baseObjects().find((o) => o.kind === 'Deployment' && o.metadata.name === service);
    const container = () => podSpecOf(deployment()!)!.containers.find((c) => envValue(c, 'SERVICE') === service)!;

    /** ConfigMap and Secret keys behind envFrom, then the container's own env (which wins). */
    function effectiveEnv(c: K8sContainer): Record<string, string> {
      const env: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        const ref = from.configMapRef ? { kind: 'ConfigMap', name: from.configMapRef.name } : { kind: 'Secret', name: from.secretRef!.name };
        const source = allObjects().find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
        expect({ ref, found: source !== undefined }).toEqual({ ref, found: true });
        Object.assign(env, source?.data && ref.kind === 'ConfigMap' ? source.data : {}, source?.stringData ?? {});
        if (ref.kind === 'Secret') for (const k of Object.keys(source?.data ?? {})) env[k] = Buffer.from(source!.data![k]!, 'base64').toString('utf8');
      }
      for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      return env;
    }

    it('has a Deployment running the platform image as this service', () => {
      expect(deployment()).toBeDefined();
      expect(container()).toBeDefined();
      expect(imageRef(container().image).repository).toBe(OUR_IMAGE);
    });

    it('names only variables its config schema reads, and they make a valid configuration', () => {
      const known = knownVariables(service);
      const pod = podSpecOf(deployment()!)!;
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const env = effectiveEnv(c);
        expect({ container: c.name, unknown: Object.keys(env).filter((k) => !known.has(k)) }).toEqual({ container: c.name, unknown: [] });
        expect({ container: c.name, unknownRefs: (c.env ?? []).filter((e) => e.valueFrom !== undefined && !known.has(e.name)).map((e) => e.name) }).toEqual({ container: c.name, unknownRefs: [] });
      }
      expect(configOf(service, effectiveEnv(container())).http.port).toBe(defaultPort(service));
    });

    it('listens on its default port, behind a Service on the same port', () => {
      const port = defaultPort(service);
      const ports = container().ports ?? [];
      expect(ports.map((p) => p.containerPort)).toEqual([port]);
      const svc = baseObjects().find((o) => o.kind === 'Service' && o.metadata.name === service);
      expect(svc).toBeDefined();
      const sp = svc!.spec!.ports!;
      expect(sp.map((p) => p.port)).toEqual([port]);
      const target = sp[0]!.targetPort ?? sp[0]!.port;
      expect(typeof target === 'number' ? target : ports.find((p) => p.name === target)?.containerPort).toBe(port);
    });

    it('is ready on /readyz and alive on /healthz, with resources and a non-root security context', () => {
      const c = container();
      const portOf = (p: K8sProbe | undefined) => {
        const port = p?.httpGet?.port;
        return typeof port === 'number' ? port : c.ports?.find((x) => x.name === port)?.containerPort;
      };
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(portOf(c.readinessProbe)).toBe(defaultPort(service));
      expect(portOf(c.livenessProbe)).toBe(defaultPort(service));
      expect(c.resources?.requests?.['cpu']).toBeDefined();
      expect(c.resources?.requests?.['memory']).toBeDefined();
      expect(c.resources?.limits?.['memory']).toBeDefined();
      expect(c.securityContext?.runAsNonRoot ?? podSpecOf(deployment()!)!.securityContext?.runAsNonRoot).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
    });

    it('applies its migrations (`migrate`) before it starts, or in a Job', () => {
      const runsMigrate = (c: K8sContainer) => imageRef(c.image).repository === OUR_IMAGE && envValue(c, 'SERVICE') === service && [...(c.command ?? []), ...(c.args ?? [])].includes('migrate');
      const init = podSpecOf(deployment()!)!.initContainers?.some(runsMigrate) ?? false;
      const job = baseObjects().some((o) => o.kind === 'Job' && podSpecOf(o)?.containers.some(runsMigrate));
      expect(init || job).toBe(true);
      // The service itself must not race the migration step.
      expect(configOf(service, effectiveEnv(container())).database.migrateOnStart).toBe(false);
    });
  });

  it("has NetworkPolicies: the services' port from the ingress namespace, each other and monitoring; NATS's client port from the services; PostgreSQL from the services", () => {
    const policies = baseObjects().filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & { spec: NetworkPolicySpec })[];
    const selecting = (labels: Record<string, string>) => policies.filter((p) => Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    const serviceLabels = { 'app.kubernetes.io/component': 'service' };
    for (const service of SERVICE_NAMES) {
      const labels = (baseObjects().find((o) => o.kind === 'Deployment' && o.metadata.name === service) as K8sObject & { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
      expect({ service, labels }).toEqual({ service, labels: expect.objectContaining(serviceLabels) });
      const ps = selecting(labels);
      expect(ps.map((p) => p.metadata.name)).toEqual(['gm-services']);
      const from = ps[0]!.spec.ingress.flatMap((r) => r.from ?? []);
      expect(from).toContainEqual({ podSelector: { matchLabels: serviceLabels } });
      expect(from.some((f) => f['namespaceSelector']?.matchLabels?.['kubernetes.io/metadata.name'] !== undefined)).toBe(true);
      expect(ps[0]!.spec.ingress.flatMap((r) => r.ports ?? []).map((p) => p.port)).toEqual(['http']);
    }
    const nats = selecting({ 'app.kubernetes.io/name': 'nats' });
    expect(nats.map((p) => p.metadata.name)).toEqual(['nats']);
    const client = nats[0]!.spec.ingress.find((r) => r.ports?.some((p) => p.port === 4222));
    expect(client?.from).toEqual([{ podSelector: { matchLabels: serviceLabels } }]);
    // The leafnode port is the overlays' (their children only).
    expect(nats[0]!.spec.ingress.flatMap((r) => r.ports ?? []).map((p) => p.port)).not.toContain(LEAF_PORT);
    const database = policies.find((p) => p.metadata.name === 'gm-database')!;
    const sql = database.spec.ingress.find((r) => r.ports?.some((p) => p.port === 5432))!;
    expect(sql.from).toContainEqual({ podSelector: { matchLabels: serviceLabels } });
    expect(sql.from?.some((f) => f['namespaceSelector'] !== undefined)).toBe(false);
  });

  it("sizes the services' database pools so that a tier (and a rolling update of its largest service) fits PostgreSQL's max_connections", () => {
    const deployments = baseObjects().filter((o) => o.kind === 'Deployment') as (K8sObject & { spec: { replicas?: number; template: { spec: K8sPodSpec } } })[];
    const shares = deployments.map((d) => {
      const service = d.metadata.name as ServiceName;
      const c = d.spec.template.spec.containers.find((x) => envValue(x, 'SERVICE') === service)!;
      const poolMax = envValue(c, 'DATABASE_POOL_MAX');
      expect({ service, poolMax }).toEqual({ service, poolMax: expect.stringMatching(/^\d+$/) });
      return { service, replicas: d.spec.replicas ?? 1, each: connectionsOf(service, Number(poolMax)) };
    });
    expect(shares).toHaveLength(SERVICE_NAMES.length);
    const total = shares.reduce((sum, s) => sum + s.replicas * s.each, 0) + Math.max(...shares.map((s) => s.each));
    // max_connections as PostgreSQL (and CloudNativePG) ship it.
    expect({ total, budget: connectionBudget(100), fits: total <= connectionBudget(100), shares }).toMatchObject({ fits: true });
  });

  it('deploys no database or identity provider in the base (both are external)', () => {
    const images = baseObjects().flatMap((o) => podSpecOf(o)?.containers.map((c) => imageRef(c.image).repository) ?? []);
    expect(images.filter((i) => /postgres|postgis|keycloak/.test(i))).toEqual([]);
  });
});

describe('k8s/overlays: one per tier level, with the NATS leafnode config and its credentials as Secrets', () => {
  const OVERLAYS = join(K8S, 'overlays');
  const baseObjects = kustomizationObjects(BASE);
  const baseConfig = baseObjects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gm-tier')!.data!;
  const overlay = (t: ExampleTier) => {
    const dir = join(OVERLAYS, t.level);
    const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
    const tierConfig = (parse(readFileSync(join(dir, 'tier-config.yaml'), 'utf8')) as K8sObject).data!;
    const natsConf = (parse(readFileSync(join(dir, 'nats-config.yaml'), 'utf8')) as K8sObject).data!['nats.conf']!;
    const secrets = parseYamlDocs(join(dir, 'secret.example.yaml')) as (K8sObject & { stringData: Record<string, string> })[];
    const secret = (name: string) => secrets.find((o) => o.metadata.name === name)!.stringData;
    return { dir, k, tierConfig, natsConf, secret };
  };

  it('has district, street, community and grid, as deploy/local/dist/k8s-overlays.js writes them (no drift)', () => {
    expect(EXAMPLE.map((t) => t.level)).toEqual(['district', 'street', 'community', 'grid']);
    for (const t of EXAMPLE) {
      for (const [name, text] of Object.entries(overlayFiles(t))) {
        expect({ file: `k8s/overlays/${t.level}/${name}`, text: readFileSync(join(OVERLAYS, t.level, name), 'utf8') }).toEqual({ file: `k8s/overlays/${t.level}/${name}`, text });
      }
    }
  });

  describe.each(EXAMPLE.map((t) => [t.level, t] as const))('%s', (_level, t) => {
    it('patches only what the base has, in its own namespace, and runs the services of its level', () => {
      const { dir, k } = overlay(t);
      // Its own resources: the leafnode certificate, and (with children) the leafnode port's NetworkPolicy.
      expect(k.resources).toEqual(['../../base', 'certificate.yaml', ...(t.children.length > 0 ? ['network-policy.yaml'] : [])]);
      expect(k.namespace).toBe(namespaceOf(t.code));
      for (const p of k.patches ?? []) {
        if (p.path) {
          for (const doc of parseYamlDocs(join(dir, p.path)) as K8sObject[]) {
            expect(baseObjects.some((o) => o.kind === doc.kind && o.metadata.name === doc.metadata.name)).toBe(true);
          }
        } else {
          expect(baseObjects.some((o) => o.kind === p.target!.kind && o.metadata.name === p.target!.name)).toBe(true);
        }
      }
      const deleted = (k.patches ?? []).filter((p) => p.patch?.includes('$patch: delete') && p.target?.kind === 'Deployment').map((p) => p.target!.name);
      const expected = t.level === 'grid' ? SERVICE_NAMES.filter((s) => !(GRID_SERVICES as readonly string[]).includes(s)) : [];
      expect(deleted.sort()).toEqual([...expected].sort());
    });

    it('gives the services a configuration they accept: its tier, its JetStream domain, federation on, NATS with the services user', () => {
      const { tierConfig, natsConf, secret } = overlay(t);
      expect(tierConfig['TIER_CODE']).toBe(t.code);
      expect(tierConfig['JETSTREAM_DOMAIN']).toBe(jetstreamDomainOf(t.code));
      expect(natsConf).toContain(`domain: "${jetstreamDomainOf(t.code)}"`);
      const { NATS_URL: _dropped, ...kept } = baseConfig;
      const env = { ...kept, ...tierConfig, ...secret('gm-tier-secrets') };
      expect(new URL(env['NATS_URL']!).username).toBe('services');
      const ps = loadConfig(publicSentiment, env);
      expect(ps.tier).toBe(t.code);
      expect(ps.own.FEDERATION_ENABLED).toBe(true);
      expect(loadConfig(mobileGateway, env).own.FEDERATION_ENABLED).toBe(true);
      expect(ps.nats.jetstreamDomain).toBe(jetstreamDomainOf(t.code));
    });

    it('has a nats.conf that nats-server accepts with the Secret\'s values, every secret a reference, a leaf user per child and a remote to the parent', () => {
      const { natsConf, secret } = overlay(t);
      const values = secret('gm-nats-federation');
      const referenced = [...natsConf.matchAll(/:\s*\$([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
      expect(new Set(referenced)).toEqual(new Set(Object.keys(values)));
      expect(natsConf).not.toContain('REPLACE-ME');
      for (const child of t.children) expect(natsConf).toContain(`user: "${leafUserOf(child)}", password: $${leafPasswordVariable(child)}`);
      if (t.parent) {
        const url = new URL(values['PARENT_LEAF_URL']!);
        expect(url.username).toBe(leafUserOf(t.code));
        expect(url.host).toBe(`nats.${namespaceOf(t.parent)}.svc:${LEAF_PORT}`);
        // The parent's overlay (when it is one of the examples) has this tier's leaf user.
        const parent = EXAMPLE.find((p) => p.code === t.parent);
        if (parent) expect(overlay(parent).natsConf).toContain(`user: "${leafUserOf(t.code)}"`);
      } else {
        expect(natsConf).not.toContain('remotes');
      }
      // nats-server's own check; this machine's server is 2.9, which predates sync_interval (2.10, the image's version).
      // The certificate files (cert-manager's Secret in the pod) are a throw-away pair here.
      const dir = mkdtempSync(join(tmpdir(), 'gm-overlay-'));
      try {
        const conf = join(dir, 'nats.conf');
        const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
        execFileSync('openssl', ['req', '-x509', ...key, '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=test'], { stdio: 'pipe' });
        writeFileSync(join(dir, 'ca.crt'), readFileSync(join(dir, 'tls.crt')));
        writeFileSync(conf, natsConf.replace(', sync_interval: always', '').replace('/data/jetstream', join(dir, 'js')).replace('/var/run/nats/nats.pid', join(dir, 'nats.pid')).replaceAll(`${LEAF_TLS_DIR}/`, `${dir}/`));
        execFileSync(NATS_SERVER_BINARY(), ['-c', conf, '-t'], { stdio: 'pipe', env: { ...values, PATH: process.env['PATH'] ?? '' } });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("has its own system account password, and leafnode links over TLS with cert-manager's certificate for the name its children dial", () => {
      const { dir, natsConf, secret } = overlay(t);
      expect(natsConf).toContain('SYS { users: [ { user: "system", password: $SYSTEM_PASSWORD } ] }');
      expect(secret('gm-nats-federation')['SYSTEM_PASSWORD']).toBeDefined();
      const [certificate] = parseYamlDocs(join(dir, 'certificate.yaml')) as (K8sObject & { spec: { secretName: string; issuerRef: Record<string, string>; dnsNames: string[]; usages: string[] } })[];
      expect(certificate).toMatchObject({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', spec: { secretName: LEAF_TLS_SECRET, issuerRef: FEDERATION_ISSUER, dnsNames: natsServiceNames(t.code) } });
      expect(certificate!.spec.usages).toContain('server auth');
      // The NATS pod mounts the Secret where nats.conf reads it.
      const pod = podSpecOf((parseYamlDocs(join(dir, 'nats-federation.yaml')) as K8sObject[]).find((o) => o.kind === 'StatefulSet')!)!;
      const volume = pod.volumes?.find((v) => v.secret?.secretName === LEAF_TLS_SECRET);
      expect(pod.containers.find((c) => c.name === 'nats')?.volumeMounts).toContainEqual({ name: volume!.name, mountPath: LEAF_TLS_DIR, readOnly: true });
      if (t.children.length > 0) expect(natsConf).toContain(`tls { cert_file: "${LEAF_TLS_DIR}/tls.crt", key_file: "${LEAF_TLS_DIR}/tls.key" }`);
      else expect(natsConf).not.toContain('cert_file');
      if (t.parent) {
        expect(natsConf).toContain(`tls { ca_file: "${LEAF_TLS_DIR}/ca.crt" }`);
        const url = new URL(secret('gm-nats-federation')['PARENT_LEAF_URL']!);
        expect(url.protocol).toBe('tls:');
        // The parent's certificate names the host this tier dials.
        const parent = EXAMPLE.find((p) => p.code === t.parent);
        if (parent) expect((parseYamlDocs(join(OVERLAYS, parent.level, 'certificate.yaml'))[0] as { spec: { dnsNames: string[] } }).spec.dnsNames).toContain(url.hostname);
      }
    });

    it("applies its generated federation streams in public-sentiment's init container before the service starts (ADR 0022)", () => {
      const { dir, k } = overlay(t);
      // streams.json is this tier's, and a ConfigMap generated from it.
      expect(JSON.parse(readFileSync(join(dir, 'streams.json'), 'utf8'))).toEqual(tierStreams({ code: t.code, parent: t.parent }, t.children));
      expect(k.configMapGenerator).toContainEqual({ name: STREAMS_CONFIG_MAP, files: ['streams.json'] });
      const patch = parseYamlDocs(join(dir, 'apply-streams.yaml')) as K8sObject[];
      expect(patch.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/public-sentiment']);
      const pod = podSpecOf(patch[0]!)!;
      const init = pod.initContainers?.find((c) => c.name === 'apply-streams');
      // The image's public-sentiment runs the command, with the service's own configuration (its tier's NATS).
      const service = podSpecOf(baseObjects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'public-sentiment')!)!.containers[0]!;
      expect(init).toMatchObject({ image: service.image, envFrom: service.envFrom, env: [{ name: 'SERVICE', value: 'public-sentiment' }] });
      expect(init!.args).toEqual(['apply-streams', `${STREAMS_MOUNT}/streams.json`, '--wait-seconds', '300']);
      const volume = pod.volumes?.find((v) => v.configMap?.name === STREAMS_CONFIG_MAP);
      expect(init!.volumeMounts).toContainEqual({ name: volume!.name, mountPath: STREAMS_MOUNT, readOnly: true });
      expect(init!.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
      // The overlay lists the patch.
      expect(k.patches).toContainEqual({ path: 'apply-streams.yaml' });
    });

    it("lets only its children's NATS pods reach its leafnode port", () => {
      const { dir } = overlay(t);
      const file = join(dir, 'network-policy.yaml');
      if (t.children.length === 0) {
        expect(existsSync(file)).toBe(false);
        return;
      }
      const [policy] = parseYamlDocs(file) as (K8sObject & { spec: NetworkPolicySpec })[];
      expect(policy!.kind).toBe('NetworkPolicy');
      expect(policy!.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'nats' });
      expect(policy!.spec.ingress).toHaveLength(1);
      const rule = policy!.spec.ingress[0]!;
      expect(rule.ports).toEqual([{ protocol: 'TCP', port: LEAF_PORT }]);
      expect(rule.from).toEqual(t.children.map((c) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespaceOf(c) } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } } })));
    });
  });
});

interface NetworkPolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress: { from?: Record<string, { matchLabels?: Record<string, string> }>[]; ports?: { protocol?: string; port: number | string }[] }[];
}


import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { namespace, orgUnitCodeSchema, SERVICE_NAMES, type Namespace, type ServiceName } from '@gm/contracts';
// Type only: this entry point must not load Nest (it runs before telemetry starts).
import type { OidcOptions } from '@gm/auth';

/**
 * The environment every service reads, validated once at start. This folder is the only code
 * that reads environment variables; a missing or bad variable stops the service with a message
 * naming it (values are never printed: some are secrets).
 */
/** A yes/no environment variable (`true`/`false`, `1`/`0`, `yes`/`no`), for the services' own settings too. */
export const envBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const bool = envBool;

const port = z.coerce.number({ message: 'expected a port number' }).int().min(0, 'expected a port number between 0 (any free port) and 65535').max(65535, 'expected a port number between 0 (any free port) and 65535');

const urlList = (protocols: readonly string[]) =>
  z
    .string()
    .min(1)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.url({ message: `expected a URL (${protocols.join(', ')})` }).refine((u) => protocols.some((p) => u.startsWith(`${p}://`)), `expected ${protocols.join(' or ')} URLs`))
        .min(1),
    );

export const LOG_LEVEL_VALUES = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;

export function baseEnvShape(defaults: { port: number; schema: string }) {
  return {
    TIER_CODE: orgUnitCodeSchema,
    NATS_URL: urlList(['nats', 'tls']),
    NATS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "-" or "_"').optional(),
    JETSTREAM_DOMAIN: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "-" or "_"').optional(),
    DATABASE_URL: z.url({ message: 'expected a postgres:// URL' }).refine((u) => /^postgres(ql)?:\/\//.test(u), 'expected a postgres:// URL'),
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier').default(defaults.schema),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    MIGRATE_ON_START: bool.default(true),
    HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    HTTP_PORT: port.default(defaults.port),
    /**
     * Several processes of this service on one host listen on the same port (SO_REUSEPORT, Linux):
     * the kernel spreads connections over them. Node runs a process's JavaScript on one core; this
     * lets one host's replicas use its other cores without a proxy in front. Off by default.
     */
    HTTP_REUSE_PORT: bool.default(false),
    HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
    /**
     * Browser origins (scheme://host[:port]) allowed to call this service's API from another origin,
     * comma-separated. Unset (the default): no CORS answers at all; the console and the handheld
     * are served from the tier's own origin (ADR 0011) and need none.
     */
    HTTP_CORS_ORIGINS: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(
        z
          .array(z.url({ message: 'expected origins such as https://console.example.org' }).refine((u) => /^https?:\/\/[^/]+$/.test(u), 'expected an origin (scheme://host[:port]) without a path or "*"'))
          .min(1),
      )
      .optional(),
    /** Requests per client address within RATE_LIMIT_WINDOW_SEC to the public endpoints (Open311); 0 turns the limit off. */
    RATE_LIMIT_PUBLIC_MAX: z.coerce.number().int().min(0).max(1_000_000).default(300),
    RATE_LIMIT_WINDOW_SEC: z.coerce.number().int().min(1).max(86_400).default(60),
    OIDC_ISSUER: z.url({ message: 'expected the realm URL, e.g. https://sso.example/realms/gm' }),
    OIDC_AUDIENCE: z.string().min(1).default('gm-api'),
    OIDC_JWKS_URI: z.url().optional(),
    OIDC_ALGORITHMS: z
      .string()
      .default('RS256')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'], { message: 'expected JWS algorithms such as RS256' })).min(1)),
    OIDC_ORG_UNIT_CLAIM: z.string().min(1).default('org_unit'),
    OIDC_CLOCK_TOLERANCE_SEC: z.coerce.number().int().min(0).max(300).default(5),
    OIDC_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    LOG_LEVEL: z.enum(LOG_LEVEL_VALUES).default('info'),
  };
}

export interface ServiceConfig {
  readonly service: ServiceName;
  readonly version: string;
  /** Org unit code of the tier instance. */
  readonly tier: string;
  readonly namespace: Namespace;
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** Share the port with this service's other processes on the host (SO_REUSEPORT). */
    readonly reusePort: boolean;
    readonly bodyLimitBytes: number;
    readonly corsOrigins?: readonly string[] | undefined;
    /** The limit of the public (unauthenticated) endpoints per client address; max 0: none. */
    readonly publicRateLimit: { readonly max: number; readonly windowSec: number };
  };
  readonly database: { readonly url: string; readonly schema: string; readonly poolMax: number; readonly migrateOnStart: boolean };
  readonly nats: { readonly servers: readonly string[]; readonly jetstreamDomain?: string | undefined };
  readonly oidc: OidcOptions;
  readonly telemetry: { readonly otlpEndpoint?: string | undefined; readonly logLevel: (typeof LOG_LEVEL_VALUES)[number] };
}

type BaseEnv = z.infer<z.ZodObject<ReturnType<typeof baseEnvShape>>>;

export function toServiceConfig(service: ServiceName, version: string, env: BaseEnv): ServiceConfig {
  return {
    service,
    version,
    tier: env.TIER_CODE,
    namespace: namespace(env.NATS_NAMESPACE ?? env.TIER_CODE),
    http: {
      host: env.HTTP_HOST,
      port: env.HTTP_PORT,
      reusePort: env.HTTP_REUSE_PORT,
      bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
      corsOrigins: env.HTTP_CORS_ORIGINS,
      publicRateLimit: { max: env.RATE_LIMIT_PUBLIC_MAX, windowSec: env.RATE_LIMIT_WINDOW_SEC },
    },
    database: { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, poolMax: env.DATABASE_POOL_MAX, migrateOnStart: env.MIGRATE_ON_START },
    nats: { servers: env.NATS_URL, jetstreamDomain: env.JETSTREAM_DOMAIN },
    oidc: {
      issuer: env.OIDC_ISSUER,
      audience: env.OIDC_AUDIENCE,
      jwksUri: env.OIDC_JWKS_URI,
      algorithms: env.OIDC_ALGORITHMS,
      orgUnitClaim: env.OIDC_ORG_UNIT_CLAIM,
      clockToleranceSec: env.OIDC_CLOCK_TOLERANCE_SEC,
      jwksCooldownMs: env.OIDC_JWKS_COOLDOWN_MS,
    },
    telemetry: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, logLevel: env.LOG_LEVEL },
  };
}

/**
 * The schema of one service's environment: the shared variables plus its own (`extra`), turned
 * into `ServiceConfig & { own: … }`.
 */
export function serviceConfigSchema<E extends z.ZodRawShape = Record<never, never>>(
  service: ServiceName,
  defaults: { port: number; schema: string; version?: string },
  extra?: E,
) {
  const base = baseEnvShape(defaults);
  const own = extra ?? ({} as E);
  return z.object({ ...base, ...own }).transform((env) => {
    const ownValues = Object.fromEntries(Object.keys(own).map((k) => [k, (env as Record<string, unknown>)[k]]));
    return { ...toServiceConfig(service, defaults.version ?? '0.1.0', env as unknown as BaseEnv), own: ownValues as z.infer<z.ZodObject<E>> };
  });
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; problem: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`);
  }
}

/** Validates `env`; throws a ConfigError naming every bad or missing variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  // Empty strings count as unset, as shells and compose files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    problem: issue.code === 'invalid_type' && cleaned[String(issue.path[0])] === undefined ? 'is required but not set' : issue.message,
  }));
  throw new ConfigError(problems);
}

/**
 * Where a tier's web app (the staff console at command-centre, the handheld at mobile-gateway)
 * sends the browser's calls of `/svc/<service>/…`: comma-separated `<service>=<URL>` pairs.
 */
export const serviceUpstreams = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[a-z-]+=https?:\/\/\S+$/, 'expected <service>=<http URL>, e.g. public-sentiment=http://127.0.0.1:3003')
          .transform((pair) => {
            const at = pair.indexOf('=');
            return [pair.slice(0, at), pair.slice(at + 1).replace(/\/$/, '')] as const;
          })
          .refine(([name]) => (SERVICE_NAMES as readonly string[]).includes(name), { message: `service names are: ${SERVICE_NAMES.join(', ')}` }),
      )
      .min(1),
  )
  .transform((pairs) => Object.fromEntries(pairs) as Partial<Record<ServiceName, string>>);

/** The build of apps/web beside the services in the repository (`apps/web/dist`), when it exists. */
export function repositoryWebRoot(fromDir: string, page: string): string | undefined {
  const candidate = resolve(fromDir, '../../../web/dist');
  return existsSync(join(candidate, page)) ? candidate : undefined;
}

import { z } from 'zod';
import { ConfigError, loadConfig, serviceConfigSchema } from './service-config';

const SECRET = 'S3cr3t-Pa55w0rd';

const REQUIRED = {
  TIER_CODE: '350206',
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: `postgres://gm:${SECRET}@127.0.0.1:5432/gm`,
  OIDC_ISSUER: 'https://sso.example.test/realms/gm',
} as const;

const schema = serviceConfigSchema('public-sentiment', { port: 3003, schema: 'public_sentiment' });

/** Runs loadConfig expecting a ConfigError, and returns it. */
function configErrorOf(env: Record<string, string | undefined>, s: z.ZodType = schema): ConfigError {
  try {
    loadConfig(s, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const problemOf = (err: ConfigError, variable: string) => err.problems.find((p) => p.variable === variable)?.problem;

describe('loadConfig with serviceConfigSchema', () => {
  it('builds the service config from the required variables and defaults', () => {
    const config = loadConfig(schema, { ...REQUIRED });
    expect(config).toEqual({
      service: 'public-sentiment',
      version: '0.1.0',
      tier: '350206',
      namespace: '350206',
      http: { host: '0.0.0.0', port: 3003, reusePort: false, bodyLimitBytes: 1024 * 1024, corsOrigins: undefined, publicRateLimit: { max: 300, windowSec: 60 } },
      database: { url: REQUIRED.DATABASE_URL, schema: 'public_sentiment', poolMax: 10, migrateOnStart: true },
      nats: { servers: ['nats://127.0.0.1:4222'], jetstreamDomain: undefined },
      oidc: {
        issuer: REQUIRED.OIDC_ISSUER,
        audience: 'gm-api',
        jwksUri: undefined,
        algorithms: ['RS256'],
        orgUnitClaim: 'org_unit',
        clockToleranceSec: 5,
        jwksCooldownMs: 30_000,
      },
      telemetry: { otlpEndpoint: undefined, logLevel: 'info' },
      own: {},
    });
  });

  it('takes the version from the defaults', () => {
    const s = serviceConfigSchema('gis', { port: 3007, schema: 'gis', version: '2.3.4' });
    expect(loadConfig(s, { ...REQUIRED }).version).toBe('2.3.4');
  });

  it('reads every optional variable', () => {
    const config = loadConfig(schema, {
      ...REQUIRED,
      NATS_URL: 'nats://a:4222, tls://b:4222,',
      NATS_NAMESPACE: 'worker_3',
      JETSTREAM_DOMAIN: 'hub',
      DATABASE_SCHEMA: 'ps_test',
      DATABASE_POOL_MAX: '20',
      MIGRATE_ON_START: 'no',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      HTTP_REUSE_PORT: 'true',
      HTTP_BODY_LIMIT_BYTES: '2048',
      HTTP_CORS_ORIGINS: 'https://console.example.test, http://127.0.0.1:5173',
      RATE_LIMIT_PUBLIC_MAX: '0',
      RATE_LIMIT_WINDOW_SEC: '10',
      OIDC_AUDIENCE: 'gm-mobile',
      OIDC_JWKS_URI: 'https://sso.example.test/realms/gm/certs',
      OIDC_ALGORITHMS: 'RS256, ES256',
      OIDC_ORG_UNIT_CLAIM: 'division',
      OIDC_CLOCK_TOLERANCE_SEC: '0',
      OIDC_JWKS_COOLDOWN_MS: '1000',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      LOG_LEVEL: 'debug',
    });
    expect(config.namespace).toBe('worker_3');
    expect(config.tier).toBe('350206');
    expect(config.nats).toEqual({ servers: ['nats://a:4222', 'tls://b:4222'], jetstreamDomain: 'hub' });
    expect(config.database).toEqual({ url: REQUIRED.DATABASE_URL, schema: 'ps_test', poolMax: 20, migrateOnStart: false });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 0,
      reusePort: true,
      bodyLimitBytes: 2048,
      corsOrigins: ['https://console.example.test', 'http://127.0.0.1:5173'],
      publicRateLimit: { max: 0, windowSec: 10 },
    });
    expect(config.oidc).toEqual({
      issuer: REQUIRED.OIDC_ISSUER,
      audience: 'gm-mobile',
      jwksUri: 'https://sso.example.test/realms/gm/certs',
      algorithms: ['RS256', 'ES256'],
      orgUnitClaim: 'division',
      clockToleranceSec: 0,
      jwksCooldownMs: 1000,
    });
    expect(config.telemetry).toEqual({ otlpEndpoint: 'http://127.0.0.1:4318', logLevel: 'debug' });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads MIGRATE_ON_START=%s as %s', (value, expected) => {
    expect(loadConfig(schema, { ...REQUIRED, MIGRATE_ON_START: value }).database.migrateOnStart).toBe(expected);
  });

  it('defaults the namespace to TIER_CODE', () => {
    expect(loadConfig(schema, { ...REQUIRED, TIER_CODE: '350206001001-07' }).namespace).toBe('350206001001-07');
    expect(loadConfig(schema, { ...REQUIRED, TIER_CODE: '350206001' }).namespace).toBe('350206001');
  });

  it('accepts postgresql:// as well as postgres://', () => {
    const url = 'postgresql://gm@db.example.test/gm';
    expect(loadConfig(schema, { ...REQUIRED, DATABASE_URL: url }).database.url).toBe(url);
  });

  it('ignores unrelated environment variables', () => {
    const config = loadConfig(schema, { ...REQUIRED, PATH: '/usr/bin', HOME: '/root', CASE_TIME_ZONE: 'UTC' });
    expect(config.own).toEqual({});
    expect(config).not.toHaveProperty('PATH');
  });

  describe('missing variables', () => {
    it('names each missing required variable as "is required but not set"', () => {
      const err = configErrorOf({});
      expect(err.problems).toEqual(
        expect.arrayContaining(
          Object.keys(REQUIRED).map((variable) => ({ variable, problem: 'is required but not set' })),
        ),
      );
      expect(err.problems).toHaveLength(Object.keys(REQUIRED).length);
      for (const variable of Object.keys(REQUIRED)) {
        expect(err.message).toContain(`  - ${variable}: is required but not set`);
      }
    });

    it.each(Object.keys(REQUIRED).map((k) => [k]))('names %s alone when only it is missing', (variable) => {
      const env: Record<string, string | undefined> = { ...REQUIRED };
      delete env[variable];
      const err = configErrorOf(env);
      expect(err.problems).toEqual([{ variable, problem: 'is required but not set' }]);
    });

    it.each(Object.keys(REQUIRED).map((k) => [k]))('treats an empty %s as unset', (variable) => {
      const err = configErrorOf({ ...REQUIRED, [variable]: '' });
      expect(err.problems).toEqual([{ variable, problem: 'is required but not set' }]);
    });

    it('treats an explicitly undefined variable as unset', () => {
      const err = configErrorOf({ ...REQUIRED, TIER_CODE: undefined });
      expect(err.problems).toEqual([{ variable: 'TIER_CODE', problem: 'is required but not set' }]);
    });

    it('applies defaults for optional variables that are empty strings', () => {
      const config = loadConfig(schema, {
        ...REQUIRED,
        HTTP_PORT: '',
        DATABASE_SCHEMA: '',
        NATS_NAMESPACE: '',
        OIDC_ALGORITHMS: '',
        LOG_LEVEL: '',
        MIGRATE_ON_START: '',
        OIDC_JWKS_URI: '',
      });
      expect(config.http.port).toBe(3003);
      expect(config.database.schema).toBe('public_sentiment');
      expect(config.database.migrateOnStart).toBe(true);
      expect(config.namespace).toBe('350206');
      expect(config.oidc.algorithms).toEqual(['RS256']);
      expect(config.oidc.jwksUri).toBeUndefined();
      expect(config.telemetry.logLevel).toBe('info');
    });
  });

  describe('bad values', () => {
    it.each([
      ['not a number', 'http', 'expected a port number'],
      ['too large', '65536', 'expected a port number between 0 (any free port) and 65535'],
      ['negative', '-1', 'expected a port number between 0 (any free port) and 65535'],
      ['fractional', '80.5', 'expected a port number'],
    ])('names HTTP_PORT when it is %s', (_label, value, problem) => {
      const err = configErrorOf({ ...REQUIRED, HTTP_PORT: value });
      expect(err.problems).toEqual([{ variable: 'HTTP_PORT', problem }]);
    });

    it.each([
      ['a wildcard', '*'],
      ['with a path', 'https://console.example.test/app'],
      ['not a URL', 'console.example.test'],
    ])('names HTTP_CORS_ORIGINS when an origin is %s', (_label, value) => {
      const err = configErrorOf({ ...REQUIRED, HTTP_CORS_ORIGINS: value });
      expect([...new Set(err.problems.map((p) => p.variable))]).toEqual(['HTTP_CORS_ORIGINS']);
    });

    it.each([
      ['not a URL', 'localhost:5432/gm'],
      ['another scheme', `mysql://gm:${SECRET}@db.example.test/gm`],
      ['http', `http://gm:${SECRET}@db.example.test/gm`],
    ])('names DATABASE_URL when it is %s', (_label, value) => {
      const err = configErrorOf({ ...REQUIRED, DATABASE_URL: value });
      expect(err.problems.map((p) => p.variable)).toEqual(['DATABASE_URL']);
      expect(problemOf(err, 'DATABASE_URL')).toBe('expected a postgres:// URL');
    });

    it.each([
      ['http', 'http://127.0.0.1:4222', 'expected nats or tls URLs'],
      ['one bad among good ones', 'nats://a:4222,ws://b:8080', 'expected nats or tls URLs'],
      ['not a URL', 'nats-server', 'expected a URL (nats, tls)'],
    ])('names NATS_URL when it is %s', (_label, value, problem) => {
      const err = configErrorOf({ ...REQUIRED, NATS_URL: value });
      // A value that is no URL at all also fails the scheme check: two problems, one variable.
      expect([...new Set(err.problems.map((p) => p.variable))]).toEqual(['NATS_URL']);
      expect(err.problems.map((p) => p.problem)).toContain(problem);
    });

    it('names NATS_URL when it lists no server at all', () => {
      const err = configErrorOf({ ...REQUIRED, NATS_URL: ' , ' });
      expect(err.problems.map((p) => p.variable)).toEqual(['NATS_URL']);
    });

    it.each(['HS256', 'RS256,none', 'rs256'])('names OIDC_ALGORITHMS=%j', (value) => {
      const err = configErrorOf({ ...REQUIRED, OIDC_ALGORITHMS: value });
      expect(err.problems).toEqual([{ variable: 'OIDC_ALGORITHMS', problem: 'expected JWS algorithms such as RS256' }]);
    });

    it.each(['35020', '350206001001-7', 'huli', '35020600100107'])('names TIER_CODE=%j', (value) => {
      const err = configErrorOf({ ...REQUIRED, TIER_CODE: value });
      expect(err.problems).toEqual([
        { variable: 'TIER_CODE', problem: 'expected an org unit code such as 350206, 350206001, 350206001001 or 350206001001-07' },
      ]);
    });

    it.each([
      ['NATS_NAMESPACE', 'a.b'],
      ['JETSTREAM_DOMAIN', 'hub domain'],
      ['DATABASE_SCHEMA', 'Public'],
      ['DATABASE_POOL_MAX', '0'],
      ['MIGRATE_ON_START', 'maybe'],
      ['HTTP_BODY_LIMIT_BYTES', '10'],
      ['OIDC_ISSUER', 'sso.example.test'],
      ['OIDC_CLOCK_TOLERANCE_SEC', '301'],
      ['OIDC_JWKS_COOLDOWN_MS', 'soon'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector'],
      ['LOG_LEVEL', 'trace'],
    ])('names %s when it is bad', (variable, value) => {
      const err = configErrorOf({ ...REQUIRED, [variable]: value });
      expect(err.problems.map((p) => p.variable)).toEqual([variable]);
      expect(problemOf(err, variable)).not.toBe('is required but not set');
    });

    it('names every bad variable at once, missing and malformed', () => {
      const err = configErrorOf({ TIER_CODE: 'huli', HTTP_PORT: '99999', NATS_URL: 'http://x' });
      expect(err.problems.map((p) => p.variable).sort()).toEqual(
        ['DATABASE_URL', 'HTTP_PORT', 'NATS_URL', 'OIDC_ISSUER', 'TIER_CODE'].sort(),
      );
      expect(err.name).toBe('ConfigError');
      expect(err.message.startsWith('Invalid configuration:\n')).toBe(true);
    });
  });

  describe('secrecy', () => {
    const secretEnvs: [string, Record<string, string>][] = [
      ['a mysql DATABASE_URL', { DATABASE_URL: `mysql://gm:${SECRET}@db.example.test/gm` }],
      ['a DATABASE_URL that is no URL', { DATABASE_URL: `gm:${SECRET}` }],
      ['a NATS_URL with credentials', { NATS_URL: `http://gm:${SECRET}@nats.example.test` }],
      ['a bad OIDC_ISSUER', { OIDC_ISSUER: SECRET }],
      ['a bad HTTP_PORT', { HTTP_PORT: SECRET }],
      ['a bad TIER_CODE', { TIER_CODE: SECRET }],
      ['a bad OIDC_ALGORITHMS', { OIDC_ALGORITHMS: SECRET }],
      ['a bad LOG_LEVEL', { LOG_LEVEL: SECRET }],
      ['a bad MIGRATE_ON_START', { MIGRATE_ON_START: SECRET }],
    ];

    it.each(secretEnvs)('does not echo %s', (_label, patch) => {
      const err = configErrorOf({ ...REQUIRED, ...patch });
      expect(err.message).not.toContain(SECRET);
      expect(JSON.stringify(err.problems)).not.toContain(SECRET);
      expect(String(err)).not.toContain(SECRET);
    });

    it('does not echo a valid secret when another variable is bad', () => {
      const err = configErrorOf({ ...REQUIRED, HTTP_PORT: 'x' });
      expect(err.message).not.toContain(SECRET);
    });
  });

  describe('per-service variables', () => {
    const withOwn = serviceConfigSchema(
      'public-sentiment',
      { port: 3003, schema: 'public_sentiment' },
      {
        CASE_TIME_ZONE: z.string().default('Asia/Shanghai'),
        MAX_ATTACHMENTS: z.coerce.number().int().min(0).default(5),
        S3_ENDPOINT: z.url(),
      },
    );

    it('land in .own, with their defaults and transforms', () => {
      const config = loadConfig(withOwn, { ...REQUIRED, S3_ENDPOINT: 'http://127.0.0.1:9000', MAX_ATTACHMENTS: '9' });
      expect(config.own).toEqual({ CASE_TIME_ZONE: 'Asia/Shanghai', MAX_ATTACHMENTS: 9, S3_ENDPOINT: 'http://127.0.0.1:9000' });
      expect(config.own.MAX_ATTACHMENTS + 1).toBe(10);
    });

    it('do not leak into the shared config, and shared ones do not leak into .own', () => {
      const config = loadConfig(withOwn, { ...REQUIRED, S3_ENDPOINT: 'http://127.0.0.1:9000', CASE_TIME_ZONE: 'UTC' });
      expect(config.own.CASE_TIME_ZONE).toBe('UTC');
      expect(config).not.toHaveProperty('CASE_TIME_ZONE');
      expect(Object.keys(config.own).sort()).toEqual(['CASE_TIME_ZONE', 'MAX_ATTACHMENTS', 'S3_ENDPOINT']);
    });

    it('are named when missing or bad', () => {
      expect(configErrorOf({ ...REQUIRED }, withOwn).problems).toEqual([{ variable: 'S3_ENDPOINT', problem: 'is required but not set' }]);
      const err = configErrorOf({ ...REQUIRED, S3_ENDPOINT: 'http://127.0.0.1:9000', MAX_ATTACHMENTS: '-1' }, withOwn);
      expect(err.problems.map((p) => p.variable)).toEqual(['MAX_ATTACHMENTS']);
    });
  });
});

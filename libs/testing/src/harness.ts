import { randomBytes } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { z } from 'zod';
import { JsonLogger, type LogSink } from '@gm/telemetry';
import { loadConfig, type ServiceConfig } from '@gm/platform/config';
import { createServiceApp, startServiceApp } from '@gm/platform';
import { provideDatabase, type TestDatabase } from './infra/postgres';
import { provideNats, type TestNats } from './infra/nats';
import { provideOidc, type TestOidc } from './infra/oidc';
import { provideS3, type TestS3 } from './infra/s3';

export const TEST_TIER = '350206';

export interface TestInfra {
  readonly db: TestDatabase;
  readonly nats: TestNats;
  readonly oidc: TestOidc;
  readonly s3: TestS3 | undefined;
  /** Environment for a service of this test tier. */
  env(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Real servers for one test file, each isolated from other workers: its own database, its own
 * subject namespace (hence its own stream names), and the OIDC issuer.
 */
export async function startInfra(opts: { ownNats?: boolean; s3?: boolean; tokenLifetimeSec?: number } = {}): Promise<TestInfra> {
  const [db, nats, oidc, s3] = await Promise.all([
    provideDatabase(),
    provideNats({ own: opts.ownNats ?? false }),
    provideOidc(opts.tokenLifetimeSec !== undefined ? { tokenLifetimeSec: opts.tokenLifetimeSec } : {}),
    opts.s3 ? provideS3() : Promise.resolve(undefined),
  ]);
  // Per test file: base-data's keys for personal identifiers (synthetic data, thrown away).
  const pii = { PII_KEYS: `1:${randomBytes(32).toString('base64')}`, PII_HASH_KEY: randomBytes(32).toString('base64') };
  return {
    db,
    nats,
    oidc,
    s3,
    env: (overrides = {}) => ({
      ...pii,
      TIER_CODE: TEST_TIER,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      DATABASE_URL: db.url,
      OIDC_ISSUER: oidc.issuer,
      OIDC_AUDIENCE: oidc.audience,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'debug',
      ...(s3 && { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey }),
      ...overrides,
    }),
    async close() {
      await Promise.allSettled([db.drop(), nats.close(), oidc.close(), s3?.close()]);
    },
  };
}

/** Every log line a service wrote, parsed. With GM_TEST_LOGS=1 they also go to stderr (debugging). */
export class MemoryLogSink implements LogSink {
  readonly lines: string[] = [];
  private readonly mirror = process.env['GM_TEST_LOGS'] === '1';
  write(line: string): void {
    this.lines.push(line);
    if (this.mirror) process.stderr.write(line);
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  text(): string {
    return this.lines.join('');
  }
}

export interface TestService<C extends ServiceConfig> {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly config: C;
  readonly logs: MemoryLogSink;
  close(): Promise<void>;
}

export interface ServiceUnderTest<C extends ServiceConfig> {
  readonly configSchema: z.ZodType<C>;
  readonly module: (config: C, logger: JsonLogger) => DynamicModule;
  readonly streamedContentTypes?: readonly string[];
}

/** Starts a service in this process on a free port, over real HTTP and NATS. */
export async function startService<C extends ServiceConfig>(spec: ServiceUnderTest<C>, env: Record<string, string>): Promise<TestService<C>> {
  const config = loadConfig(spec.configSchema, env);
  const logs = new MemoryLogSink();
  const logger = new JsonLogger(config.service, config.telemetry.logLevel, logs);
  const app = await createServiceApp({
    config,
    logger,
    module: spec.module(config, logger),
    description: config.service,
    ...(spec.streamedContentTypes && { streamedContentTypes: spec.streamedContentTypes }),
  });
  const url = (await startServiceApp(app, config, logger)).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    config,
    logs,
    close: () => app.close(),
  };
}

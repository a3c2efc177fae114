import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { streamName, Streams, namespace } from '@gm/contracts';
import { startTelemetry, type Telemetry } from '@gm/telemetry';
import { startService, type TestFederation, type TestInfra, type TestOidc, type TestService } from '@gm/testing';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';
import * as gateway from '../../apps/mobile-gateway/src/app.module';
import * as gwConfig from '../../apps/mobile-gateway/src/config/config';
import * as commandCentre from '../../apps/command-centre/src/app.module';
import * as ccConfig from '../../apps/command-centre/src/config/config';

/** The three services of the first slice, in this process, over real HTTP, NATS and PostgreSQL. */
export interface Slice {
  readonly ps: TestService<psConfig.AppConfig>;
  readonly gw: TestService<gwConfig.AppConfig>;
  readonly cc: TestService<ccConfig.AppConfig>;
  close(): Promise<void>;
}

export async function startSlice(infra: TestInfra, env: Record<string, string> = {}): Promise<Slice> {
  const ps = await startService({ configSchema: psConfig.configSchema, module: (c, l) => publicSentiment.AppModule.forRoot(c, l) }, infra.env(env));
  const gw = await startService({ configSchema: gwConfig.configSchema, module: (c, l) => gateway.AppModule.forRoot(c, l) }, infra.env(env));
  const cc = await startService({ configSchema: ccConfig.configSchema, module: (c, l) => commandCentre.AppModule.forRoot(c, l) }, infra.env(env));
  return {
    ps,
    gw,
    cc,
    async close() {
      await Promise.allSettled([gw.close(), cc.close(), ps.close()]);
    },
  };
}

export function startMemoryTelemetry(): { exporter: InMemorySpanExporter; telemetry: Telemetry } {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({ serviceName: 'e2e', exporter });
  return { exporter, telemetry };
}

/** Reads the tier's case-event stream directly, as an auditor of JetStream would. */
export async function caseStream(infra: TestInfra): Promise<{ nc: NatsConnection; name: string; messages(): Promise<{ seq: number; msgId: string | undefined; data: Record<string, unknown> }[]> }> {
  const nc = await connect({ servers: infra.nats.url });
  const name = streamName(namespace(infra.nats.namespace), Streams.caseEvents);
  return {
    nc,
    name,
    async messages() {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(name);
      const out: { seq: number; msgId: string | undefined; data: Record<string, unknown> }[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(name, { seq });
        if (!m) continue;
        out.push({ seq, msgId: m.header.get('Nats-Msg-Id') || undefined, data: m.json<Record<string, unknown>>() });
      }
      return out;
    },
  };
}

export async function sql<T = Record<string, unknown>>(infra: TestInfra, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: infra.db.url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** The environment of a service of one tier of a test federation: its NATS server, its own database, the shared issuer. */
export function tierEnv(fed: TestFederation, oidc: TestOidc, code: string, databaseUrl: string): Record<string, string> {
  return {
    TIER_CODE: code,
    NATS_URL: fed.tier(code).url,
    JETSTREAM_DOMAIN: fed.tier(code).domain,
    DATABASE_URL: databaseUrl,
    OIDC_ISSUER: oidc.issuer,
    OIDC_AUDIENCE: oidc.audience,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    FEDERATION_ENABLED: 'true',
  };
}

/**
 * A federation of tiers for the base data tests (ADR 0012): real nats-server leafnodes, a database
 * per tier, base-data of any tier started (and restarted) on demand in the test process, the
 * district's key ring shared by every tier unless a test gives one its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { natsConnectionOptions, type FederationTier } from '@gm/messaging';
import type { ServiceConfig } from '@gm/platform';
import { provideDatabase, provideOidc, startFederation, startService, type TestDatabase, type TestFederation, type TestOidc, type TestService } from '@gm/testing';
import * as baseData from '../../apps/base-data/src/app.module';
import * as baseDataConfig from '../../apps/base-data/src/config/config';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';
import { eventually, tierEnv } from './support';

export const TABLES = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city_objects'] as const;
export const KINDS = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects'] as const;

export interface BaseDataTiers {
  readonly fed: TestFederation;
  readonly oidc: TestOidc;
  /** The generated district's files. */
  readonly dir: string;
  readonly admin: string;
  /** The district's key ring, given to every tier. */
  readonly pii: { readonly PII_KEYS: string; readonly PII_HASH_KEY: string };
  /** A tier's own `PII_KEYS`, for the tier's next start. */
  readonly keyRing: Map<string, string>;
  /** Starts base-data of a tier (again, after `stopBaseData`). */
  startBaseData(code: string): Promise<TestService<ServiceConfig>>;
  stopBaseData(code: string): Promise<void>;
  url(code: string): string;
  /** system-admin and gis of a tier, loaded with the generated org tree and boundaries. */
  startOrgAndMap(code: string): Promise<void>;
  /** POSTs a file of the generated district (or the given text) to a tier's base-data import. */
  importFile(code: string, kind: (typeof KINDS)[number], text?: string): Promise<Response>;
  file(name: string): string;
  sql<T extends object>(code: string, text: string, params?: unknown[]): Promise<T[]>;
  /** Records per table at a tier, of a unit's subtree (all without `unit`). */
  counts(code: string, unit?: string): Promise<Record<string, number>>;
  call(code: string, method: string, path: string, token: string, body?: unknown): Promise<Response>;
  /** Every message of a tier's stream, as text. */
  streamText(code: string, stream: string): Promise<string[]>;
  /** A leaf user's request to the parent's JetStream API that the server must refuse; resolves once the permission violation naming `stream` is seen. */
  expectRefusedConsumer(child: string, parent: string, stream: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBaseDataTiers(tiers: readonly FederationTier[], district: { seed: number }): Promise<BaseDataTiers> {
  const oidc = await provideOidc();
  const fed = await startFederation([...tiers]);
  const dbs = new Map<string, TestDatabase>();
  for (const t of tiers) dbs.set(t.code, await provideDatabase());
  const services = new Map<string, TestService<ServiceConfig>>();
  const others: TestService<ServiceConfig>[] = [];
  const pii = { PII_KEYS: `1:${randomBytes(32).toString('base64')}`, PII_HASH_KEY: randomBytes(32).toString('base64') };
  const keyRing = new Map<string, string>();
  const admin = await oidc.tokenFor('admin');
  const dir = mkdtempSync(join(tmpdir(), 'gm-bdt-'));
  await generateDistrict({ ...DEFAULT_OPTIONS, seed: district.seed, scale: 0.05, streets: 1, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });

  const envOf = (code: string): Record<string, string> => ({
    ...tierEnv(fed, oidc, code, dbs.get(code)!.url),
    ...pii,
    ...(keyRing.has(code) && { PII_KEYS: keyRing.get(code)! }),
    BASE_DATA_SEED_CHECK_MS: '500',
  });
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');
  const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
  const sql = async <T extends object>(code: string, text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: dbs.get(code)!.url });
    await c.connect();
    try {
      return (await c.query<T>(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  const url = (code: string) => {
    const s = services.get(code);
    if (!s) throw new Error(`base-data of ${code} is not running`);
    return s.url;
  };

  return {
    fed,
    oidc,
    dir,
    admin,
    pii,
    keyRing,
    async startBaseData(code) {
      const s = (await startService(
        { configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c as baseDataConfig.AppConfig, l), streamedContentTypes: ['text/csv'] },
        envOf(code),
      )) as never as TestService<ServiceConfig>;
      services.set(code, s);
      return s;
    },
    async stopBaseData(code) {
      await services.get(code)?.close();
      services.delete(code);
    },
    url,
    async startOrgAndMap(code) {
      const sa = await startService({ configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c, l), streamedContentTypes: ['text/csv'] }, envOf(code));
      const g = await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, envOf(code));
      others.push(sa as never, g as never);
      expect((await post(`${sa.url}/api/v1/org-units/import`, 'text/csv', file('org-units.csv'))).status).toBe(200);
      expect((await post(`${g.url}/api/v1/boundaries/import`, 'application/geo+json', file('boundaries.geojson'))).status).toBe(200);
    },
    importFile: (code, kind, text) => post(`${url(code)}/api/v1/imports/${kind}`, 'text/csv', text ?? file(`${kind}.csv`)),
    file,
    sql,
    async counts(code, unit = '') {
      const out: Record<string, number> = {};
      for (const table of TABLES) out[table] = Number((await sql<{ n: string }>(code, `SELECT count(*) AS n FROM base_data.${table} WHERE grid_code LIKE $1`, [`${unit}%`]))[0]!.n);
      return out;
    },
    call: (code, method, path, token, body) =>
      fetch(`${url(code)}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) }),
    async streamText(code, stream) {
      const nc = await connect(natsConnectionOptions([fed.tier(code).url]));
      try {
        const jsm = await jetstreamManager(nc, { domain: fed.tier(code).domain });
        const info = await jsm.streams.info(stream);
        const text: string[] = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
          const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
          if (m) text.push(m.string());
        }
        return text;
      } finally {
        await nc.close();
      }
    },
    async expectRefusedConsumer(child, parent, stream) {
      const leaf = fed.tier(child).leaf!;
      const nc = await connect({ servers: leaf.parentClientUrl, user: leaf.user, pass: leaf.password });
      try {
        const errors: string[] = [];
        void (async () => {
          for await (const s of nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error ?? s.type));
        })();
        const ask = nc.request(`$JS.${fed.tier(parent).domain}.API.CONSUMER.CREATE.${stream}`, JSON.stringify({ stream_name: stream, config: { ack_policy: 'none' } }), { timeout: 2000 });
        await expect(ask).rejects.toThrow();
        await eventually('the permission violation', async () => errors.some((e) => /permissions violation/i.test(e) && e.includes(stream)), 5000);
      } finally {
        await nc.close();
      }
    },
    async close() {
      for (const s of [...services.values(), ...others]) await s.close().catch(() => undefined);
      await fed.close();
      await oidc.close();
      for (const db of dbs.values()) await db.drop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What no message crossing a link may contain: an 18-character ID number, a mobile number, a name in clear. */
export function expectNoClearPii(text: string, names: readonly string[]): void {
  expect(text).not.toMatch(/\b\d{17}[\dX]\b/);
  expect(text).not.toMatch(/\b1[3-9]\d{9}\b/);
  for (const name of names) expect(text).not.toContain(`"${name}"`);
}

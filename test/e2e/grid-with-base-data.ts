/**
 * One tier with a generated district loaded (org tree, boundaries, base data) and the services a
 * grid worker's field work goes through: system-admin, gis, base-data, mobile-gateway (and
 * public-sentiment behind the gateway's reports).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import * as baseData from '../../apps/base-data/src/app.module';
import * as baseDataConfig from '../../apps/base-data/src/config/config';
import * as gateway from '../../apps/mobile-gateway/src/app.module';
import * as gatewayConfig from '../../apps/mobile-gateway/src/config/config';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';
import { sql } from './support';

export interface GridWithBaseData {
  readonly infra: TestInfra;
  readonly bd: TestService<ServiceConfig>;
  readonly gw: TestService<ServiceConfig>;
  /** A CSV file of the generated district, as rows (header left out). */
  rows(name: string): string[][];
  sql<T extends object>(text: string, params?: unknown[]): Promise<T[]>;
  call(service: TestService<ServiceConfig>, method: string, path: string, token: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startGridWithBaseData(seed: number): Promise<GridWithBaseData> {
  const infra = await startInfra();
  const env = infra.env();
  const start = (configSchema: never, module: (c: never, l: never) => never, streamed: string[] = []) =>
    startService({ configSchema, module: module as never, streamedContentTypes: streamed }, env) as Promise<TestService<ServiceConfig>>;
  const sa = await start(systemAdminConfig.configSchema as never, (c, l) => systemAdmin.AppModule.forRoot(c as never, l) as never, ['text/csv']);
  const g = await start(gisConfig.configSchema as never, (c, l) => gis.AppModule.forRoot(c as never, l) as never, ['application/geo+json']);
  const bd = await start(baseDataConfig.configSchema as never, (c, l) => baseData.AppModule.forRoot(c as never, l) as never, ['text/csv']);
  const ps = await start(psConfig.configSchema as never, (c, l) => publicSentiment.AppModule.forRoot(c as never, l) as never);
  const gw = await start(gatewayConfig.configSchema as never, (c, l) => gateway.AppModule.forRoot(c as never, l) as never);
  const services = [sa, g, bd, ps, gw];
  const admin = await infra.oidc.tokenFor('admin');
  const dir = mkdtempSync(join(tmpdir(), 'gm-grid-'));
  await generateDistrict({ ...DEFAULT_OPTIONS, seed, scale: 0.02, streets: 1, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');
  const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
  expect((await post(`${sa.url}/api/v1/org-units/import`, 'text/csv', file('org-units.csv'))).status).toBe(200);
  expect((await post(`${g.url}/api/v1/boundaries/import`, 'application/geo+json', file('boundaries.geojson'))).status).toBe(200);
  for (const kind of ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects']) expect((await post(`${bd.url}/api/v1/imports/${kind}`, 'text/csv', file(`${kind}.csv`))).status).toBe(200);
  return {
    infra,
    bd,
    gw,
    rows: (name) => file(name).trim().split('\n').slice(1).map((l) => l.split(',')),
    sql: <T extends object>(text: string, params: unknown[] = []) => sql<T>(infra, text, params),
    call: (service, method, path, token, body) =>
      fetch(`${service.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) }),
    async close() {
      await Promise.allSettled(services.map((s) => s.close()));
      await infra.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

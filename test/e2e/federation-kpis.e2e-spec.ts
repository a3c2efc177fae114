import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { kpiReportSchema, type KpiReport } from '@gm/contracts';
import type { FederationTier } from '@gm/messaging';
import type { ServiceConfig } from '@gm/platform';
import { aReport, expectShape, provideDatabase, provideOidc, startFederation, startService, type TestDatabase, type TestFederation, type TestOidc, type TestService } from '@gm/testing';
import * as commandCentre from '../../apps/command-centre/src/app.module';
import * as ccConfig from '../../apps/command-centre/src/config/config';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as psConfig from '../../apps/public-sentiment/src/config/config';
import { eventually, tierEnv } from './support';

const STREET = '350206001';
const COMMUNITY = '350206001001';
const GRID = '350206001001-07';
const TIERS: FederationTier[] = [
  { code: STREET, parent: null },
  { code: COMMUNITY, parent: STREET },
  { code: GRID, parent: COMMUNITY },
];

type Json = Record<string, unknown>;

describe("a parent's KPIs cover its subtree from the figures its children send up (grid → community → street, real nats-server leafnodes, a database per tier)", () => {
  let fed: TestFederation;
  let oidc: TestOidc;
  const dbs = new Map<string, TestDatabase>();
  const ps = new Map<string, TestService<ServiceConfig>>();
  const cc = new Map<string, TestService<ServiceConfig>>();
  const tokens: Record<string, string> = {};

  const envOf = (code: string): Record<string, string> => ({
    ...tierEnv(fed, oidc, code, dbs.get(code)!.url),
    FEDERATION_SUMMARY_MS: '0',
    CASE_DEADLINE_SCAN_MS: '0',
  });

  beforeAll(async () => {
    oidc = await provideOidc();
    fed = await startFederation(TIERS);
    for (const t of TIERS) dbs.set(t.code, await provideDatabase());
    for (const t of TIERS) {
      ps.set(t.code, (await startService({ configSchema: psConfig.configSchema, module: (c, l) => publicSentiment.AppModule.forRoot(c as psConfig.AppConfig, l) }, envOf(t.code))) as never);
      cc.set(t.code, (await startService({ configSchema: ccConfig.configSchema, module: (c, l) => commandCentre.AppModule.forRoot(c as ccConfig.AppConfig, l) }, envOf(t.code))) as never);
    }
    for (const user of ['community', 'street']) tokens[user] = await oidc.tokenFor(user);
  }, 180_000);

  afterAll(async () => {
    for (const s of [...cc.values(), ...ps.values()]) await s.close().catch(() => undefined);
    await fed?.close();
    await oidc?.close();
    for (const db of dbs.values()) await db.drop().catch(() => undefined);
  });

  const call = async (tier: string, user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ps.get(tier)!.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}` },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const act = async (tier: string, user: string, id: string, action: string, body: Json = {}) => {
    const res = await call(tier, user, 'POST', `/api/v1/cases/${id}/actions/${action}`, body);
    expect({ action, status: res.status }).toEqual({ action, status: 200 });
  };
  const kpis = async (tier: string, user: string, unit: string): Promise<KpiReport> => {
    const res = await fetch(`${cc.get(tier)!.url}/api/v1/kpis?unit=${unit}&level=grid`, { headers: { authorization: `Bearer ${tokens[user]}` } });
    expect(res.status).toBe(200);
    return expectShape(kpiReportSchema, await res.json());
  };
  const rowOf = (r: KpiReport) => r.rows.find((x) => x.subject === GRID)?.counters;
  const sql = async (tier: string, text: string) => {
    const c = new pg.Client({ connectionString: dbs.get(tier)!.url });
    await c.connect();
    try {
      return (await c.query(text)).rows as Json[];
    } finally {
      await c.end();
    }
  };

  it('counts each step once, at the tier that took it, and every ancestor sees the sum', async () => {
    // Reported and registered at the grid; escalated to the community, which dispatches it.
    const reported = await call(GRID, 'community', 'POST', '/api/v1/cases', aReport({ gridCode: GRID, clientId: randomUUID() }));
    expect(reported.status).toBe(201);
    const gridCase = reported.body['caseId'] as string;
    await act(GRID, 'community', gridCase, 'accept');
    await act(GRID, 'community', gridCase, 'register');
    await act(GRID, 'community', gridCase, 'escalate', { reason: '需要社区协调 (needs the community)' });

    const copy = await eventually('the copy at the community', async () => {
      const list = await call(COMMUNITY, 'community', 'GET', `/api/v1/cases?unit=${GRID}`);
      return (list.body['items'] as { id: string; state: string }[]).find((c) => c.state === 'registered');
    });
    await act(COMMUNITY, 'community', copy.id, 'dispatch', { assignee: { kind: 'department', code: 'urban-management' } });

    // The grid counted the report and the registration; the community the dispatch. The street
    // hears both, through the community, and each once.
    const expected = { reported: 1, registered: 1, dispatched: 1 };
    const atCommunity = await eventually('the community sees its grid\'s figures', async () => {
      const r = await kpis(COMMUNITY, 'community', COMMUNITY);
      const row = rowOf(r);
      return row && row.reported === 1 && row.dispatched === 1 ? r : undefined;
    });
    expect(rowOf(atCommunity)).toMatchObject(expected);
    expect(atCommunity.includes).toEqual([GRID]);
    const atStreet = await eventually('the street sees the figures of its subtree', async () => {
      const r = await kpis(STREET, 'street', STREET);
      const row = rowOf(r);
      return row && row.reported === 1 && row.dispatched === 1 ? r : undefined;
    });
    expect(rowOf(atStreet)).toMatchObject(expected);
    expect(atStreet.includes).toEqual([COMMUNITY]);
    const gridOwn = await kpis(GRID, 'community', GRID);
    expect(rowOf(gridOwn)).toMatchObject({ reported: 1, registered: 1, dispatched: 0 });

    // The street holds none of the grid's or the community's cases: the figures came up as figures.
    expect(await sql(STREET, `SELECT count(*)::int AS n FROM command_centre.cases`)).toEqual([{ n: 0 }]);
    // And the department dispatched to at the community counts at the street too.
    const depts = await fetch(`${cc.get(STREET)!.url}/api/v1/kpis?unit=${STREET}&kind=department`, { headers: { authorization: `Bearer ${tokens['street']}` } });
    const um = expectShape(kpiReportSchema, await depts.json()).rows.find((r) => r.subject === 'urban-management');
    expect(um?.counters.dispatched).toBe(1);
  });
});

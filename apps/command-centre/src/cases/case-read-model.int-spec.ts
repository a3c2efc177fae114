import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import pg from 'pg';
import {
  caseMapSchema,
  caseOverviewSchema,
  createCloudEvent,
  dispatchSuggestionsSchema,
  kpiReportSchema,
  Events,
  namespace,
  scopedSubject,
  workerPositionsSchema,
  type CloudEvent,
  type WorkerPositionsReportedV1,
} from '@gm/contracts';
import { aCaseOverdue, aCaseReported, aCaseTransition, DEMO_GRID, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../app.module';
import { configSchema, type AppConfig } from '../config/config';
import { CaseReadModelConsumer } from './case-read-model.consumer';

const NEIGHBOUR_GRID = '350206001002-01';

describe('command-centre read models: cases on the map, KPIs and positions from events, exactly once (real PostgreSQL/PostGIS, NATS JetStream)', () => {
  let infra: TestInfra;
  let cc: TestService<AppConfig>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: pg.Client;
  const tokens: Record<string, string> = {};

  const publish = async (event: CloudEvent, msgId = event.id) => {
    await js.publish(scopedSubject(namespace(infra.nats.namespace), event.type), JSON.stringify(event), { msgID: msgId });
  };
  const get = async (path: string, user = 'community') => {
    const res = await fetch(`${cc.url}${path}`, { headers: { authorization: `Bearer ${tokens[user]}` } });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const applied = async (eventId: string) =>
    (await db.query(`SELECT 1 FROM command_centre.inbox WHERE event_id = $1 AND consumer = 'command-centre-cases'`, [eventId])).rowCount === 1;
  const eventually = async (what: string, check: () => Promise<boolean>, ms = 15_000) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kpi = async (kind: string, subject: string) =>
    (
      await db.query<Record<string, string>>(
        `SELECT sum(reported) AS reported, sum(registered) AS registered, sum(dispatched) AS dispatched, sum(dispatched_on_time) AS dispatched_on_time,
                sum(closed) AS closed, sum(closed_on_time) AS closed_on_time, sum(overdue) AS overdue
         FROM command_centre.kpi_daily WHERE kind = $1 AND subject = $2`,
        [kind, subject],
      )
    ).rows[0]!;

  beforeAll(async () => {
    infra = await startInfra();
    cc = await startService({ configSchema, module: (c, l) => AppModule.forRoot(c, l) }, infra.env());
    nc = await connect({ servers: infra.nats.url });
    js = jetstream(nc);
    db = new pg.Client({ connectionString: infra.db.url });
    await db.connect();
    for (const u of ['community', 'community-other', 'street', 'gw-07']) tokens[u] = await infra.oidc.tokenFor(u);
    // The consumer creates the tier's streams: publish once they exist, then wait until it applied the first event.
    const probe = aCaseReported({ gridCode: NEIGHBOUR_GRID });
    await eventually('the case stream', () => publish(probe).then(() => true, () => false));
    await eventually('the first event applied', () => applied(probe.id));
  });

  afterAll(async () => {
    await nc?.close();
    await db?.end();
    await cc?.close();
    await infra?.close();
  });

  it('shows a reported case on the map of its community, with its light, and not on the neighbouring community\'s', async () => {
    const reported = aCaseReported({ categoryCode: 'BJ0101' });
    await publish(reported);
    await eventually('the case on the map', () => applied(reported.id));

    const mine = await get('/api/v1/map/cases');
    expect(mine.status).toBe(200);
    const fc = caseMapSchema.parse(mine.body);
    const feature = fc.features.find((f) => f.id === reported.data.caseId);
    expect(feature).toMatchObject({
      geometry: { type: 'Point', coordinates: [reported.data.location.longitude, reported.data.location.latitude] },
      properties: { state: 'reported', categoryCode: 'BJ0101', gridCode: DEMO_GRID, light: 'green', caseNo: reported.data.caseNo },
    });
    expect(fc.features.every((f) => f.properties.gridCode.startsWith('350206001001'))).toBe(true);

    const other = caseMapSchema.parse((await get('/api/v1/map/cases', 'community-other')).body);
    expect(other.features.map((f) => f.id)).not.toContain(reported.data.caseId);
    expect(other.features.length).toBeGreaterThan(0); // the probe case of its own grid

    // Filters: a box away from the case, and another category, leave it out.
    const away = caseMapSchema.parse((await get('/api/v1/map/cases?bbox=100,10,101,11')).body);
    expect(away.features.map((f) => f.id)).not.toContain(reported.data.caseId);
    const otherCategory = caseMapSchema.parse((await get('/api/v1/map/cases?category=SJ01')).body);
    expect(otherCategory.features.map((f) => f.id)).not.toContain(reported.data.caseId);
    const red = caseMapSchema.parse((await get('/api/v1/map/cases?light=red')).body);
    expect(red.features.map((f) => f.id)).not.toContain(reported.data.caseId);

    // A unit outside the caller's subtree is refused, naming it.
    const outside = await get('/api/v1/map/cases?unit=350206001002');
    expect(outside.status).toBe(403);
    const bad = await get('/api/v1/map/cases?bbox=1,2,3');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('bbox');
  });

  it('keeps the case and its KPIs exactly once when events are delivered again (inbox), and follows the workflow', async () => {
    const t0 = Date.now() - 60 * 60_000;
    const iso = (m: number) => new Date(t0 + m * 60_000).toISOString();
    const reported = aCaseReported({ gridCode: '350206001001-08', reportedAt: iso(0), deadlineAt: iso(30), yellowAt: iso(24) });
    const c = reported.data;
    const desk = { subject: 'desk-subject-0001', role: 'community-staff' };
    const events = [
      reported,
      aCaseTransition('accept', c, { at: iso(1), actor: desk, step: 'register', deadlineAt: iso(60) }),
      aCaseTransition('register', { ...c, state: 'accepted' }, { at: iso(2), actor: desk, step: 'dispatch', deadlineAt: iso(62) }),
      aCaseTransition('dispatch', { ...c, state: 'registered' }, { at: iso(3), actor: desk, assignee: { kind: 'department', code: 'water' }, step: 'handle', deadlineAt: iso(50) }),
      aCaseOverdue({ caseId: c.caseId, caseNo: c.caseNo, gridCode: c.gridCode, step: 'handle', detectedAt: iso(51) }),
    ];
    for (const e of events) await publish(e);
    await eventually('all events applied', async () => (await Promise.all(events.map((e) => applied(e.id)))).every(Boolean));
    const before = await kpi('unit', '350206001001-08');
    expect(before).toMatchObject({ reported: '1', registered: '1', dispatched: '1', dispatched_on_time: '1', overdue: '1' });

    // The same events again, stored again in the stream under new message ids (as after a relay
    // retry past the duplicate window), and handed to the consumer directly as a redelivery would.
    for (const e of events) await publish(e, randomUUID());
    await cc.app.get(CaseReadModelConsumer).apply(events);
    const marker = aCaseReported({ gridCode: NEIGHBOUR_GRID });
    await publish(marker);
    await eventually('the marker after the replays', () => applied(marker.id));
    expect(await kpi('unit', '350206001001-08')).toEqual(before);
    expect(await kpi('department', 'water')).toMatchObject({ dispatched: '1', overdue: '1' });
    const rows = await db.query(`SELECT state, overdue_steps, step_overdue FROM command_centre.cases WHERE case_id = $1`, [c.caseId]);
    expect(rows.rows).toEqual([{ state: 'dispatched', overdue_steps: 1, step_overdue: true }]);

    // Its light is red now (the handling deadline passed), and the boards count it.
    const map = caseMapSchema.parse((await get('/api/v1/map/cases?light=red')).body);
    expect(map.features.find((f) => f.id === c.caseId)?.properties).toMatchObject({ light: 'red', state: 'dispatched' });
    const overview = caseOverviewSchema.parse((await get('/api/v1/overview?unit=350206001001-08')).body);
    expect(overview).toMatchObject({ unit: '350206001001-08', total: 1, open: 1, byLight: { green: 0, yellow: 0, red: 1 }, byState: { dispatched: 1 } });
    expect(overview.byDay.reduce((n, d) => n + d.reported, 0)).toBe(1);

    // The KPIs of the period, per grid of the community, from the same counters.
    const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
    const res = await get(`/api/v1/kpis?unit=350206001001&level=grid&from=${day(t0 - 86_400_000)}&to=${day(Date.now())}`);
    expect(res.status).toBe(200);
    const report = kpiReportSchema.parse(res.body);
    const row = report.rows.find((r) => r.subject === '350206001001-08')!;
    expect(row.counters).toMatchObject({ reported: 1, registered: 1, dispatched: 1, dispatchedOnTime: 1, overdue: 1, closed: 0 });
    expect(row.figures).toMatchObject({ reported: 1, onTimeDispatchRate: 1, closureRate: 0, onTimeClosureRate: null, overdue: 1 });
    expect(row.assessment.index).not.toBeNull();
    expect(report.total.counters.reported).toBeGreaterThanOrEqual(2);
    const csv = await fetch(`${cc.url}/api/v1/kpis/export.csv?unit=350206001001&level=grid&from=${day(t0 - 86_400_000)}&to=${day(Date.now())}`, { headers: { authorization: `Bearer ${tokens['community']}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toContain('onTimeDispatchRate');
    expect(lines.find((l) => l.startsWith('350206001001-08,'))).toBeDefined();
    expect((await get('/api/v1/kpis?level=street')).status).toBe(400);
    expect((await get('/api/v1/kpis?kind=everyone')).status).toBe(400);
  });

  it('counts a change of base data once for its grid and for whoever made it (数据更新)', async () => {
    const change = createCloudEvent(
      Events.residentChanged,
      { residentId: randomUUID(), gridCode: '350206001001-07', fields: ['phone'], by: { subject: 'worker-07-near-0001', role: 'grid-worker' } },
      { source: '350206/base-data', tier: '350206' },
    );
    await publish(change);
    await publish(change, randomUUID());
    const updates = async () =>
      (await db.query<{ kind: string; n: string }>(`SELECT kind, sum(data_updates)::text AS n FROM command_centre.kpi_daily WHERE data_updates > 0 GROUP BY kind ORDER BY kind`)).rows;
    await eventually('the data update counted', async () => (await updates()).length === 2);
    const marker = createCloudEvent(
      Events.residentChanged,
      { residentId: randomUUID(), gridCode: NEIGHBOUR_GRID, fields: ['tags'], by: { subject: 'someone-else-0001', role: 'community-staff' } },
      { source: '350206/base-data', tier: '350206' },
    );
    await publish(marker);
    await eventually('the marker', async () => (await db.query(`SELECT 1 FROM command_centre.inbox WHERE event_id = $1`, [marker.id])).rowCount === 1);
    expect((await db.query(`SELECT sum(data_updates)::int AS n FROM command_centre.kpi_daily WHERE unit_code = '350206001001-07'`)).rows[0]).toEqual({ n: 2 });
  });

  it('keeps each worker\'s last position and track once, and suggests the nearest on-duty workers of the caller\'s subtree for dispatch', async () => {
    const now = Date.now();
    const batch = (subject: string, username: string, unit: string, lat: number, lng: number, minutesAgo: number): CloudEvent<WorkerPositionsReportedV1> =>
      createCloudEvent(
        Events.workerPositionsReported,
        {
          batchId: randomUUID(),
          worker: { subject, username, role: 'grid-worker', unit },
          fixes: [
            { at: new Date(now - (minutesAgo + 1) * 60_000).toISOString(), latitude: lat - 0.001, longitude: lng, accuracy: 12 },
            { at: new Date(now - minutesAgo * 60_000).toISOString(), latitude: lat, longitude: lng, accuracy: 8 },
          ],
          receivedAt: new Date(now).toISOString(),
        },
        { source: '350206/mobile-gateway', tier: '350206', subject },
      );
    const reported = aCaseReported({ location: { latitude: 24.5123, longitude: 118.1456 } });
    const near = batch('worker-07-near-0001', 'gw-07', DEMO_GRID, 24.513, 118.1456, 2); // ~80 m, its grid
    const far = batch('worker-08-far-00001', 'gw-08', '350206001001-08', 24.52, 118.15, 5); // ~1 km, same community
    const closerButOtherGrid = batch('worker-08-close-001', 'gw-08b', '350206001001-08', 24.5124, 118.1457, 1); // ~15 m, same community
    const neighbour = batch('worker-nb-000000001', 'gw-other', NEIGHBOUR_GRID, 24.5123, 118.1456, 1); // at the spot, other community
    const stale = batch('worker-07-stale-001', 'gw-07b', DEMO_GRID, 24.5123, 118.1456, 24 * 60); // a day old: off duty
    const all = [reported, near, far, closerButOtherGrid, neighbour, stale];
    for (const e of all) await publish(e);
    await publish(near, randomUUID()); // a second delivery of the same batch
    await eventually('the positions', async () => (await db.query(`SELECT count(*)::int AS n FROM command_centre.workers`)).rows[0]!.n === 5 && (await applied(reported.id)));
    const track = await db.query(`SELECT count(*)::int AS n FROM command_centre.worker_track_points WHERE subject = 'worker-07-near-0001'`);
    expect(track.rows[0]!.n).toBe(2);

    const positions = workerPositionsSchema.parse((await get('/api/v1/workers/positions')).body);
    expect(positions.items.map((w) => w.username).sort()).toEqual(['gw-07', 'gw-07b', 'gw-08', 'gw-08b']);
    expect(positions.items.find((w) => w.username === 'gw-07')).toMatchObject({ unitCode: DEMO_GRID, accuracyM: 8, location: { coordinates: [118.1456, 24.513] } });
    expect((await get('/api/v1/workers/positions', 'gw-07')).status).toBe(403);

    const s = await get(`/api/v1/dispatch/suggestions/${reported.data.caseId}`);
    expect(s.status).toBe(200);
    const suggestions = dispatchSuggestionsSchema.parse(s.body);
    // Its grid first, then its community by distance; the neighbour's worker and the stale one never.
    expect(suggestions.workers.map((w) => [w.username, w.proximity])).toEqual([
      ['gw-07', 'grid'],
      ['gw-08b', 'community'],
      ['gw-08', 'community'],
    ]);
    expect(suggestions.workers[0]).toMatchObject({ assignee: { kind: 'worker', code: 'worker-07-near-0001' } });
    expect(suggestions.workers[0]!.distanceM).toBeGreaterThan(50);
    expect(suggestions.workers[0]!.distanceM).toBeLessThan(120);
    expect(suggestions.workers[0]!.ageSeconds).toBeGreaterThanOrEqual(115);
    expect(suggestions.departments[0]).toMatchObject({ code: 'urban-management', owner: true, assignee: { kind: 'department', code: 'urban-management' } });

    // The street sees the neighbouring community's worker too (its subtree); the neighbour's staff do not see the case at all.
    const street = dispatchSuggestionsSchema.parse((await get(`/api/v1/dispatch/suggestions/${reported.data.caseId}`, 'street')).body);
    expect(street.workers.map((w) => w.username)).toContain('gw-other');
    expect((await get(`/api/v1/dispatch/suggestions/${reported.data.caseId}`, 'community-other')).status).toBe(404);
  });
});

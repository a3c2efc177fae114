import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict } from '@gm/district-generator';
import { patrolPageSchema, patrolViewSchema, syncResultSchema, workerPositionsSchema, type PositionFix, type SyncItem } from '@gm/contracts';
import { expectShape, startInfra, startService, type TestInfra, type TestService } from '@gm/testing';
import type { ServiceConfig } from '@gm/platform';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';
import { eventually, sql, startSlice, type Slice } from './support';

const GRID = '350206001001-07';

describe('patrols (巡查) from the handheld through the sync: track kept and filtered, length, duration and the share of the grid covered (real PostgreSQL/PostGIS, NATS, OIDC, gis with the boundaries)', () => {
  let infra: TestInfra;
  let slice: Slice;
  let map: TestService<ServiceConfig>;
  let dir: string;
  let worker: string;
  /** The grid's bounding box (it is a rectangle in the generated district). */
  let box: { west: number; south: number; east: number; north: number };

  beforeAll(async () => {
    infra = await startInfra();
    slice = await startSlice(infra);
    map = (await startService({ configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }, infra.env())) as never;
    dir = mkdtempSync(join(tmpdir(), 'gm-patrol-'));
    await generateDistrict({ ...DEFAULT_OPTIONS, seed: 23, scale: 0.01, streets: 1, communitiesPerStreet: [2, 2], gridRows: [2, 2], gridCols: [4, 4], out: dir });
    const admin = await infra.oidc.tokenFor('admin');
    const imported = await fetch(`${map.url}/api/v1/boundaries/import`, { method: 'POST', headers: { 'content-type': 'application/geo+json', authorization: `Bearer ${admin}` }, body: readFileSync(join(dir, 'boundaries.geojson'), 'utf8') });
    expect(imported.status).toBe(200);
    const [b] = await sql<{ west: number; south: number; east: number; north: number }>(
      infra,
      'SELECT ST_XMin(geom) AS west, ST_YMin(geom) AS south, ST_XMax(geom) AS east, ST_YMax(geom) AS north FROM gis.boundaries WHERE code = $1',
      [GRID],
    );
    box = b!;
    worker = await infra.oidc.tokenFor('gw-07');
  }, 120_000);

  afterAll(async () => {
    await map?.close();
    await slice?.close();
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sync = async (items: SyncItem[], token = worker) => {
    const res = await fetch(`${slice.gw.url}/api/v1/sync`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ items }) });
    expect(res.status).toBe(200);
    return expectShape(syncResultSchema, await res.json()).items;
  };
  const item = (type: SyncItem['type'], body: unknown): SyncItem => ({ clientId: randomUUID(), type, body });

  it('walks across the middle of the grid: poor fixes left out, a replayed batch changes nothing, the stop gives length, duration and coverage; the console saw the worker move', async () => {
    const patrolId = randomUUID();
    const started = Date.now() - 20 * 60_000;
    const midLat = (box.south + box.north) / 2;
    // West edge to east edge along the middle, a fix every 30 s; every fifth one with a poor accuracy.
    const steps = 20;
    const points: PositionFix[] = Array.from({ length: steps + 1 }, (_, i) => ({
      at: new Date(started + (i + 1) * 30_000).toISOString(),
      latitude: i % 5 === 2 ? midLat + 0.002 : midLat,
      longitude: box.west + ((box.east - box.west) * i) / steps,
      accuracy: i % 5 === 2 ? 120 : 8,
    }));
    const kept = points.filter((p) => p.accuracy <= 50);
    const first = item('patrol-points', { patrolId, points: points.slice(0, 11) });
    const answers = await sync([item('patrol-start', { patrolId, startedAt: new Date(started).toISOString() }), first, item('patrol-points', { patrolId, points: points.slice(11) })]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(patrolViewSchema.parse(answers[2]!.result)).toMatchObject({ points: kept.length, filtered: points.length - kept.length, endedAt: null, coverage: null });
    // The first points batch again (its answer was lost): nothing changes.
    const replay = await sync([first]);
    expect(replay[0]).toMatchObject({ status: 201, replayed: true });
    expect(await sql(infra, 'SELECT count(*)::int AS n FROM mobile_gateway.patrol_points WHERE patrol_id = $1', [patrolId])).toEqual([{ n: kept.length }]);

    // The command centre saw the worker where the last kept point is.
    const community = await infra.oidc.tokenFor('community');
    await eventually('the worker at the last kept point on the live map', async () => {
      const r = await fetch(`${slice.cc.url}/api/v1/workers/positions`, { headers: { authorization: `Bearer ${community}` } });
      const w = workerPositionsSchema.parse(await r.json()).items.find((x) => x.username === 'gw-07');
      return w !== undefined && Math.abs(w.location.coordinates[0] - kept.at(-1)!.longitude) < 1e-9;
    });

    const ended = new Date(started + 12 * 60_000).toISOString();
    const [stop] = await sync([item('patrol-stop', { patrolId, endedAt: ended })]);
    expect(stop!.status).toBe(201);
    const patrol = patrolViewSchema.parse(stop!.result);
    // Length: PostGIS's own (spheroid) measure of the kept points, to 1 %.
    const [{ m }] = (await sql<{ m: number }>(infra, 'SELECT ST_Length(ST_MakeLine(ST_SetSRID(ST_MakePoint(x, y), 4326) ORDER BY n)::geography) AS m FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(x, y, n)', [
      kept.map((p) => p.longitude),
      kept.map((p) => p.latitude),
    ])) as [{ m: number }];
    expect(Math.abs(patrol.distanceM - m) / m).toBeLessThan(0.01);
    expect(patrol.durationS).toBe(12 * 60);
    // A 50 m corridor along the whole width of a rectangle of height H covers about 100 m / H of it.
    const heightM = (box.north - box.south) * 110_900;
    expect(patrol.coverage!.withinM).toBe(50);
    expect(patrol.coverage!.share).toBeGreaterThan((100 / heightM) * 0.85);
    expect(patrol.coverage!.share).toBeLessThan((100 / heightM) * 1.15);

    // Staff of the community and the grid's leader see it; the worker's own list has it.
    const listed = patrolPageSchema.parse(await (await fetch(`${slice.gw.url}/api/v1/patrols`, { headers: { authorization: `Bearer ${community}` } })).json());
    expect(listed.items.map((p) => p.id)).toContain(patrolId);
    const leader = patrolPageSchema.parse(await (await fetch(`${slice.gw.url}/api/v1/patrols`, { headers: { authorization: `Bearer ${await infra.oidc.tokenFor('gl-07')}` } })).json());
    expect(leader.items.map((p) => p.id)).toContain(patrolId);
    const mine = patrolPageSchema.parse(await (await fetch(`${slice.gw.url}/api/v1/patrols?limit=5`, { headers: { authorization: `Bearer ${worker}` } })).json());
    expect(mine.items[0]).toEqual(patrol);
  });

  it('refuses by item: points in the future or at latitude 91, points after the stop, another worker\'s patrol, a grid outside the worker\'s', async () => {
    const patrolId = randomUUID();
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const inside = { latitude: (box.south + box.north) / 2, longitude: (box.west + box.east) / 2, accuracy: 5 };
    const answers = await sync([
      item('patrol-start', { patrolId, startedAt: at(10) }),
      item('patrol-points', { patrolId, points: [{ ...inside, at: at(9) }, { ...inside, at: at(-30) }] }),
      item('patrol-points', { patrolId, points: [{ ...inside, at: at(8), latitude: 91 }] }),
      item('patrol-points', { patrolId, points: [{ ...inside, at: at(7) }] }),
      item('patrol-stop', { patrolId, endedAt: at(5) }),
      item('patrol-points', { patrolId, points: [{ ...inside, at: at(4) }] }),
      item('patrol-start', { patrolId: randomUUID(), startedAt: at(3), gridCode: '350206001001-08' }),
    ]);
    expect(answers.map((a) => [a.status, a.error?.code ?? null, a.error?.errors?.[0]?.field ?? null])).toEqual([
      [201, null, null],
      [400, 'REQUEST.VALIDATION_FAILED', 'points.1.at'],
      [400, 'REQUEST.VALIDATION_FAILED', 'points.0.latitude'],
      [201, null, null],
      [201, null, null],
      [409, 'PATROL.ENDED', null],
      [403, 'AUTH.OUT_OF_SCOPE', null],
    ]);
    expect(patrolViewSchema.parse(answers[4]!.result)).toMatchObject({ points: 1, durationS: 300 });
    // Another worker cannot feed or stop this patrol, nor read it.
    const other = await infra.oidc.tokenFor('gw-08');
    const theirs = await sync([item('patrol-points', { patrolId, points: [{ ...inside, at: at(2) }] })], other);
    expect(theirs[0]).toMatchObject({ status: 404, error: { code: 'PATROL.NOT_FOUND' } });
    expect((await fetch(`${slice.gw.url}/api/v1/patrols/${patrolId}`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(404);
  });
});

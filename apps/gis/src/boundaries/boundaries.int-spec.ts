import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict, type GenerateOptions, type Manifest } from '@gm/district-generator';
import { coverageReportSchema, errorBodySchema, locateBatchResponseSchema, locatedUnitsSchema, namespace, Rpc, unitFeatureSchema, unitLayerSchema, type CoverageReport } from '@gm/contracts';
import { RpcClient } from '@gm/messaging';
import { expectShape, startInfra, startService, TEST_TIER, type TestInfra, type TestService } from '@gm/testing';
import { AppModule } from '../app.module';
import { configSchema, type AppConfig } from '../config/config';

const SMALL: Omit<GenerateOptions, 'out'> = { ...DEFAULT_OPTIONS, seed: 7, scale: 0.05, streets: 2, communitiesPerStreet: [2, 3], gridRows: [2, 3], gridCols: [2, 3] };

interface Feature {
  properties: { code: string; level: string; parent_code: string | null };
  geometry: { coordinates: number[][][] };
}

const gis = (env: Record<string, string>) =>
  ({ configSchema, module: (c: AppConfig, l: Parameters<typeof AppModule.forRoot>[1]) => AppModule.forRoot(c, l), streamedContentTypes: ['application/geo+json'] }) as const;

async function generated(defects: boolean): Promise<{ dir: string; manifest: Manifest; geojson: string; features: Feature[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'gm-gis-'));
  const manifest = await generateDistrict({ ...SMALL, defects, out: dir });
  const geojson = readFileSync(join(dir, 'boundaries.geojson'), 'utf8');
  return { dir, manifest, geojson, features: (JSON.parse(geojson) as { features: Feature[] }).features };
}

describe('gis: boundaries, coverage, locate, layers (real PostGIS)', () => {
  let infra: TestInfra;
  let cached: TestService<AppConfig>;
  let sqlOnly: TestService<AppConfig>;
  let admin: string;
  let district: Awaited<ReturnType<typeof generated>>;

  beforeAll(async () => {
    infra = await startInfra();
    cached = await startService(gis({}), infra.env());
    sqlOnly = await startService(gis({}), infra.env({ LOCATE_CACHE: 'false' }));
    admin = await infra.oidc.tokenFor('admin');
    district = await generated(false);
  });
  afterAll(async () => {
    await cached?.close();
    await sqlOnly?.close();
    await infra?.close();
    if (district) rmSync(district.dir, { recursive: true, force: true });
  });

  const importFile = (text: string, token = admin) =>
    fetch(`${cached.url}/api/v1/boundaries/import`, { method: 'POST', headers: { 'content-type': 'application/geo+json', authorization: `Bearer ${token}` }, body: text });
  const get = (svc: TestService<AppConfig>, path: string, token = admin) => fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('imports the generated district cleanly, and its coverage has no gaps, overlaps or overhangs', async () => {
    const res = await importFile(district.geojson);
    expect(res.status).toBe(200);
    const report = (await res.json()) as { features: number; inserted: number; updated: number; coverage: CoverageReport };
    expect(report.features).toBe(district.features.length);
    expect(report.inserted).toBe(district.features.length);
    expect(report.coverage.unitsChecked).toBe(1 + district.manifest.counts['streets']! + district.manifest.counts['communities']!);
    expect(report.coverage.problems).toEqual([]);

    const deep = expectShape(coverageReportSchema, await (await get(cached, `/api/v1/units/${SMALL.districtCode}/coverage?deep=true`)).json());
    expect({ gaps: deep.gaps, overlaps: deep.overlaps, outside: deep.outside }).toEqual({ gaps: 0, overlaps: 0, outside: 0 });
  });

  it('re-importing the same file changes nothing', async () => {
    const report = (await (await importFile(district.geojson)).json()) as { inserted: number; updated: number; unchanged: number };
    expect(report).toMatchObject({ inserted: 0, updated: 0, unchanged: district.features.length });
  });

  it('locates interior points, gives shared edges to the lowest code, and answers 404 outside', async () => {
    const grids = district.features.filter((f) => f.properties.level === 'grid');
    const g = grids[0]!;
    const ring0 = g.geometry.coordinates[0]!;
    const [x0, y0] = ring0[0]!;
    const [x1] = ring0[1]!;
    const [, y1] = ring0[2]!;
    for (const svc of [cached, sqlOnly]) {
      const inside = expectShape(locatedUnitsSchema.strict(), await (await get(svc, `/api/v1/locate?longitude=${(x0! + x1!) / 2}&latitude=${(y0! + y1!) / 2}`)).json());
      expect(inside).toEqual({ gridCode: g.properties.code, communityCode: g.properties.parent_code, streetCode: g.properties.code.slice(0, 9), districtCode: '350206' });
      const outside = await get(svc, '/api/v1/locate?longitude=100&latitude=30');
      expect(outside.status).toBe(404);
      expect(expectShape(errorBodySchema, await outside.json()).code).toBe('GIS.OUTSIDE_DISTRICT');
    }
    // Every grid's corners and edge midpoints: both paths agree, and the owner is the lowest code among the grids covering the point.
    const points: { longitude: number; latitude: number }[] = [];
    for (const grid of grids) {
      const ring = grid.geometry.coordinates[0]!;
      for (let i = 0; i < 4; i++) {
        const [ax, ay] = ring[i]!;
        const [bx, by] = ring[i + 1]!;
        points.push({ longitude: ax!, latitude: ay! }, { longitude: (ax! + bx!) / 2, latitude: (ay! + by!) / 2 });
      }
    }
    const expected = points.map((p) => {
      const covering = grids.filter((gr) => {
        const r = gr.geometry.coordinates[0]!;
        return p.longitude >= r[0]![0]! && p.longitude <= r[1]![0]! && p.latitude >= r[0]![1]! && p.latitude <= r[2]![1]!;
      });
      return covering.map((c) => c.properties.code).sort()[0];
    });
    for (const svc of [cached, sqlOnly]) {
      const res = expectShape(
        locateBatchResponseSchema,
        await (await fetch(`${svc.url}/api/v1/locate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ points }) })).json(),
      );
      expect(res.results.map((r) => r?.gridCode)).toEqual(expected);
    }
  });

  it('the locate RPC answers batches over NATS, null outside', async () => {
    const rpc = new RpcClient({ servers: [infra.nats.url], namespace: namespace(infra.nats.namespace), tier: TEST_TIER, service: 'base-data' });
    try {
      const res = await rpc.request(Rpc.locate, { points: [{ longitude: 100, latitude: 30 }, { longitude: 118.14, latitude: 24.52 }] });
      expect(res.grids[0]).toBeNull();
      expect(res.grids[1]?.startsWith('350206')).toBe(true);
      // A full batch fits NATS's default 1 MiB message limit both ways.
      const points = Array.from({ length: 10_000 }, (_, i) => ({ longitude: 118.08 + (i % 100) * 0.0004, latitude: 24.48 + Math.floor(i / 100) * 0.0004 }));
      const full = await rpc.request(Rpc.locate, { points }, { timeoutMs: 10_000 });
      expect(full.grids).toHaveLength(10_000);
      expect(full.grids.filter(Boolean).length).toBeGreaterThan(0);
    } finally {
      await rpc.onApplicationShutdown();
    }
  });

  it('serves layers as FeatureCollections with code, name and level, filtered by bbox, and each unit as a Feature', async () => {
    const all = expectShape(unitLayerSchema, await (await get(cached, '/api/v1/layers/grid?zoom=12')).json());
    expect(all.features).toHaveLength(district.manifest.counts['grids']!);
    expect(all.features[0]!.properties).toMatchObject({ code: expect.any(String), name: expect.any(String), level: 'grid' });
    expect(expectShape(unitLayerSchema, await (await get(cached, '/api/v1/layers/district?zoom=8')).json()).features[0]!.properties.parentCode).toBeNull();
    const some = expectShape(unitLayerSchema, await (await get(cached, '/api/v1/layers/grid?bbox=118.08,24.48,118.1,24.5&zoom=16')).json());
    expect(some.features.length).toBeGreaterThan(0);
    expect(some.features.length).toBeLessThan(all.features.length);
    const bad = await get(cached, '/api/v1/layers/grid?bbox=1,2,3');
    expect(bad.status).toBe(400);

    // Within the caller's subtree: a community sees exactly its own grids, its neighbour none of them.
    const community = '350206001001';
    const mine = expectShape(unitLayerSchema, await (await get(cached, '/api/v1/layers/grid?zoom=12', await infra.oidc.tokenFor('community'))).json());
    expect(mine.features.length).toBeGreaterThan(0);
    expect(mine.features.map((f) => f.properties.code).sort()).toEqual(all.features.map((f) => f.properties.code).filter((c) => c.startsWith(`${community}-`)).sort());
    const theirs = expectShape(unitLayerSchema, await (await get(cached, '/api/v1/layers/grid?zoom=12', await infra.oidc.tokenFor('community-other'))).json());
    expect(theirs.features.some((f) => f.properties.code.startsWith(community))).toBe(false);
    expect((await get(cached, `/api/v1/layers/grid?unit=${community}`, await infra.oidc.tokenFor('community-other'))).status).toBe(403);
    const ofOne = expectShape(unitLayerSchema, await (await get(cached, `/api/v1/layers/community?unit=${community}`)).json());
    expect(ofOne.features.map((f) => f.properties.code)).toEqual([community]);

    const code = all.features[0]!.properties.code;
    const unit = await get(cached, `/api/v1/units/${code}`);
    expect(unit.headers.get('content-type')).toContain('application/geo+json');
    expect(expectShape(unitFeatureSchema, await unit.json()).properties).toMatchObject({ code, level: 'grid', parentCode: code.slice(0, 12) });
  });

  it('rejects a file with bad features, naming each by number, and writes nothing of it', async () => {
    const fc = JSON.parse(district.geojson) as { features: Feature[] };
    const good = fc.features.find((f) => f.properties.level === 'grid')!;
    const bowtie = [[118.0, 24.0], [118.1, 24.1], [118.1, 24.0], [118.0, 24.1], [118.0, 24.0]];
    const bad = {
      type: 'FeatureCollection',
      features: [
        { ...good, properties: { ...good.properties, code: '350206001001-98', name: 'new grid' } },
        { ...good, properties: { ...good.properties, code: '350206001001-99', level: 'community' } },
        { ...good, properties: { ...good.properties, code: '350206009009-01', parent_code: '350206009009' } },
        { ...good, properties: { ...good.properties, code: '350206001001-97' }, geometry: { type: 'Polygon', coordinates: [bowtie] } },
      ],
    };
    const res = await importFile(JSON.stringify(bad));
    expect(res.status).toBe(400);
    const body = expectShape(errorBodySchema, await res.json());
    expect(body.code).toBe('IMPORT.REJECTED');
    expect(body.errors?.map((e) => [e.line, e.field])).toEqual([[2, 'properties.level']]);
    // Fix the level: the remaining problems are found in the database pass.
    bad.features[1]!.properties.level = 'grid';
    const again = (await (await importFile(JSON.stringify(bad))).json()) as { errors: { line: number; field: string }[] };
    expect(again.errors.map((e) => [e.line, e.field]).sort()).toEqual([[3, 'properties.parent_code'], [4, 'geometry']]);
    const unit = await get(cached, '/api/v1/units/350206001001-98');
    expect(unit.status).toBe(404);
  });

  it('only admins import; coverage is scoped to the caller\'s subtree', async () => {
    expect((await importFile(district.geojson, await infra.oidc.tokenFor('district'))).status).toBe(403);
    const community = await infra.oidc.tokenFor('community');
    expect((await get(cached, '/api/v1/units/350206001001/coverage', community)).status).toBe(200);
    expect((await get(cached, '/api/v1/units/350206001002/coverage', community)).status).toBe(403);
    expect((await fetch(`${cached.url}/api/v1/boundaries/import`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: '{}' })).status).toBe(415);
  });
});

describe('gis: the default seed', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let dir: string;

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService(gis({}), infra.env());
    dir = mkdtempSync(join(tmpdir(), 'gm-gis-default-'));
    // The boundaries do not depend on the scale (people are drawn after the tiling): these are the default district's.
    await generateDistrict({ ...DEFAULT_OPTIONS, scale: 0.001, out: dir });
  });
  afterAll(async () => {
    await svc?.close();
    await infra?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports cleanly and its coverage check finds no gap, overlap or overhang', async () => {
    const token = await infra.oidc.tokenFor('admin');
    const res = await fetch(`${svc.url}/api/v1/boundaries/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/geo+json', authorization: `Bearer ${token}` },
      body: readFileSync(join(dir, 'boundaries.geojson')),
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { features: number; coverage: CoverageReport };
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(report.features).toBe(1 + manifest.counts['streets']! + manifest.counts['communities']! + manifest.counts['grids']!);
    expect(manifest.counts['grids']).toBeGreaterThan(800);
    expect({ gaps: report.coverage.gaps, overlaps: report.coverage.overlaps, outside: report.coverage.outside }).toEqual({ gaps: 0, overlaps: 0, outside: 0 });
  });
});

describe('gis: a district with injected defects', () => {
  let infra: TestInfra;
  let svc: TestService<AppConfig>;
  let broken: Awaited<ReturnType<typeof generated>>;

  beforeAll(async () => {
    infra = await startInfra();
    svc = await startService(gis({}), infra.env());
    broken = await generated(true);
  });
  afterAll(async () => {
    await svc?.close();
    await infra?.close();
    if (broken) rmSync(broken.dir, { recursive: true, force: true });
  });

  it('reports exactly the injected gap, overlap and overhang, with their areas', async () => {
    const token = await infra.oidc.tokenFor('admin');
    const res = await fetch(`${svc.url}/api/v1/boundaries/import`, { method: 'POST', headers: { 'content-type': 'application/geo+json', authorization: `Bearer ${token}` }, body: broken.geojson });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { coverage: CoverageReport };
    const deep = expectShape(coverageReportSchema, await (await fetch(`${svc.url}/api/v1/units/350206/coverage?deep=true`, { headers: { authorization: `Bearer ${token}` } })).json());
    for (const found of [report.coverage.problems, deep.problems]) {
      const simplified = found.map((p) => ({ kind: p.kind, unit: p.unit, children: p.kind === 'gap' ? [] : p.children })).sort((a, b) => a.kind.localeCompare(b.kind));
      const injected = broken.manifest.defects.map((d) => ({ kind: d.kind, unit: d.unit, children: d.kind === 'gap' ? [] : [...d.children] })).sort((a, b) => a.kind.localeCompare(b.kind));
      expect(simplified).toEqual(injected);
      for (const d of broken.manifest.defects) {
        const p = found.find((x) => x.kind === d.kind)!;
        expect(Math.abs(p.areaM2 - d.areaM2) / d.areaM2).toBeLessThan(0.01);
        expect(p.geometry).toMatchObject({ type: expect.stringMatching(/Polygon/) });
      }
    }
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidIdNumber, OrgUnitCode } from '@gm/domain';
import { DEFAULT_OPTIONS, generateDistrict, type GenerateOptions } from './generate';
import { Random } from './random';
import { injectDefects, tileDistrict, type Rect, type Unit } from './tiling';

const area = (r: Rect) => (r.x1 - r.x0) * (r.y1 - r.y0);
const intersection = (a: Rect, b: Rect) => Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
const inside = (c: Rect, p: Rect) => c.x0 >= p.x0 && c.x1 <= p.x1 && c.y0 >= p.y0 && c.y1 <= p.y1;

function expectTiles(parent: Unit, children: Unit[]): void {
  expect(children.length).toBeGreaterThan(0);
  for (const c of children) expect(inside(c.rect, parent.rect)).toBe(true);
  for (let i = 0; i < children.length; i++) for (let j = i + 1; j < children.length; j++) expect(intersection(children[i]!.rect, children[j]!.rect)).toBe(0);
  expect(children.reduce((s, c) => s + area(c.rect), 0)).toBe(area(parent.rect));
}

describe('tiling', () => {
  const tiling = tileDistrict(new Random(7), { ...DEFAULT_OPTIONS, districtCode: '350206' });

  it('has the default shape: 8 streets, ~60 communities, ~900 grids with valid, nested codes', () => {
    expect(tiling.streets).toHaveLength(8);
    expect(tiling.communities.length).toBeGreaterThanOrEqual(56);
    expect(tiling.communities.length).toBeLessThanOrEqual(64);
    expect(tiling.grids.length).toBeGreaterThan(700);
    expect(tiling.grids.length).toBeLessThan(1300);
    for (const u of [...tiling.streets, ...tiling.communities, ...tiling.grids]) {
      const code = OrgUnitCode.parse(u.code);
      expect(code.level).toBe(u.level);
      expect(code.parent?.value).toBe(u.parent);
    }
  });

  it('every level tiles its parent exactly: inside it, no overlaps, areas sum up', () => {
    expectTiles(tiling.district, tiling.streets);
    for (const s of tiling.streets) expectTiles(s, tiling.communities.filter((c) => c.parent === s.code));
    for (const c of tiling.communities) expectTiles(c, tiling.grids.filter((g) => g.parent === c.code));
  });

  it('injects exactly one gap, one overlap and one grid outside its community', () => {
    const broken = tileDistrict(new Random(7), { ...DEFAULT_OPTIONS, districtCode: '350206' });
    const defects = injectDefects(broken);
    expect(defects.map((d) => d.kind)).toEqual(['gap', 'overlap', 'outside']);
    const byCode = new Map(broken.grids.map((g) => [g.code, g]));
    const [gap, overlap, out] = defects;
    // The gap lies in the community but in no grid of it.
    const community = broken.communities.find((c) => c.code === gap!.unit)!;
    expect(inside(gap!.region, community.rect)).toBe(true);
    for (const g of broken.grids.filter((x) => x.parent === gap!.unit)) expect(intersection(g.rect, gap!.region)).toBe(0);
    // The overlap is covered by both siblings.
    const [a, b] = overlap!.children.map((c) => byCode.get(c)!);
    expect(intersection(a!.rect, b!.rect)).toBe(area(overlap!.region));
    // The outside region belongs to the grid but not to its community.
    const parent = broken.communities.find((c) => c.code === out!.unit)!;
    expect(intersection(byCode.get(out!.children[0]!)!.rect, out!.region)).toBe(area(out!.region));
    expect(intersection(parent.rect, out!.region)).toBe(0);
    for (const d of defects) expect(d.areaM2).toBeGreaterThan(1000);
  });
});

describe('generateDistrict (small scale)', () => {
  const small: Omit<GenerateOptions, 'out'> = { ...DEFAULT_OPTIONS, seed: 42, scale: 0.2, streets: 2, communitiesPerStreet: [2, 3], gridRows: [2, 2], gridCols: [2, 3] };
  let dirA: string;
  let dirB: string;

  beforeAll(async () => {
    dirA = mkdtempSync(join(tmpdir(), 'gm-gen-a-'));
    dirB = mkdtempSync(join(tmpdir(), 'gm-gen-b-'));
    await generateDistrict({ ...small, out: dirA });
    await generateDistrict({ ...small, out: dirB });
  });
  afterAll(() => {
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  });

  const files = ['boundaries.geojson', 'org-units.csv', 'staff.csv', 'buildings.csv', 'houses.csv', 'households.csv', 'residents.csv', 'organisations.csv', 'city-objects.csv', 'manifest.json'];
  const rows = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

  it('is deterministic: the same seed gives byte-identical files', () => {
    for (const f of files) {
      const hash = (d: string) => createHash('sha256').update(readFileSync(join(d, f))).digest('hex');
      expect(hash(dirB)).toBe(hash(dirA));
    }
  });

  it('writes valid, unique, synthetic ID numbers and 140-prefixed phones', () => {
    const residents = rows(dirA, 'residents.csv');
    expect(residents.length).toBeGreaterThan(100);
    const ids = residents.map((r) => r[0]!);
    expect(ids.every(isValidIdNumber)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^\d{4}99/.test(id))).toBe(true);
    const phones = residents.map((r) => r[2]!).filter(Boolean);
    expect(phones.length).toBeGreaterThan(0);
    expect(phones.every((p) => /^140\d{8}$/.test(p))).toBe(true);
  });

  it('ties every record to an existing grid and parent record', () => {
    const grids = new Set(rows(dirA, 'org-units.csv').filter((r) => r[2] === 'grid').map((r) => r[0]!));
    const buildings = new Set(rows(dirA, 'buildings.csv').map((r) => r[0]!));
    const houses = rows(dirA, 'houses.csv');
    expect(houses.every((h) => buildings.has(h[1]!))).toBe(true);
    const houseCodes = new Set(houses.map((h) => h[0]!));
    const households = rows(dirA, 'households.csv');
    expect(households.every((h) => houseCodes.has(h[1]!) && grids.has(h[2]!))).toBe(true);
    const householdGrid = new Map(households.map((h) => [h[0]!, h[2]!]));
    expect(rows(dirA, 'residents.csv').every((r) => householdGrid.get(r[3]!) === r[9])).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dirA, 'manifest.json'), 'utf8')) as { counts: Record<string, number> };
    expect(manifest.counts['residents']).toBe(rows(dirA, 'residents.csv').length);
    expect(manifest.counts['grids']).toBe(grids.size);
  });

  it('writes one GeoJSON feature per org unit with code, name, level and parent', () => {
    const fc = JSON.parse(readFileSync(join(dirA, 'boundaries.geojson'), 'utf8')) as { features: { properties: Record<string, unknown>; geometry: { type: string } }[] };
    expect(fc.features.length).toBe(rows(dirA, 'org-units.csv').length);
    for (const f of fc.features) {
      expect(f.geometry.type).toBe('Polygon');
      expect(f.properties).toEqual({
        code: expect.any(String),
        name: expect.any(String),
        level: expect.any(String),
        parent_code: f.properties['level'] === 'district' ? null : expect.any(String),
      });
    }
  });
});

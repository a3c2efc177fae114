import type { OrgLevel } from '@gm/domain';
import { communityNames, districtName, streetNames } from './names';
import type { Random } from './random';

/** A rectangle in integer micro-degrees (1e-6°, about 0.1 m): shared edges are exactly equal. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Unit {
  readonly code: string;
  readonly name: string;
  readonly level: OrgLevel;
  readonly parent: string | undefined;
  rect: Rect;
  /** Position in its community's lattice (grids only), used to inject defects next to siblings. */
  readonly cell?: { row: number; col: number; rows: number; cols: number };
}

export interface TilingOptions {
  readonly districtCode: string;
  /** In micro-degrees. */
  readonly bbox: Rect;
  readonly streets: number;
  readonly communitiesPerStreet: readonly [number, number];
  readonly gridRows: readonly [number, number];
  readonly gridCols: readonly [number, number];
}

export interface Tiling {
  readonly district: Unit;
  readonly streets: Unit[];
  readonly communities: Unit[];
  readonly grids: Unit[];
}

/** Integer sizes summing to `total`, each within ±jitter of the mean. */
export function splitSizes(rand: Random, total: number, n: number, jitter = 0.3): number[] {
  const weights = Array.from({ length: n }, () => 1 - jitter + 2 * jitter * rand.next());
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((w / sum) * total));
  sizes[n - 1]! += total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

function cuts(start: number, sizes: readonly number[]): number[] {
  const out = [start];
  for (const s of sizes) out.push(out[out.length - 1]! + s);
  return out;
}

/** Splits a rectangle into rows, each row into its own number of columns; returns row-major cells. */
function splitRows(rand: Random, r: Rect, perRow: readonly number[]): Rect[] {
  const ys = cuts(r.y0, splitSizes(rand, r.y1 - r.y0, perRow.length));
  const out: Rect[] = [];
  perRow.forEach((cols, i) => {
    const xs = cuts(r.x0, splitSizes(rand, r.x1 - r.x0, cols));
    for (let j = 0; j < cols; j++) out.push({ x0: xs[j]!, x1: xs[j + 1]!, y0: ys[i]!, y1: ys[i + 1]! });
  });
  return out;
}

function rowsFor(count: number): number[] {
  const rows = count <= 3 ? 1 : count <= 8 ? 2 : Math.ceil(Math.sqrt(count));
  const base = Math.floor(count / rows);
  return Array.from({ length: rows }, (_, i) => base + (i < count % rows ? 1 : 0));
}

/**
 * Cuts the district into streets, communities and grids by nested rectangular splits with
 * jittered sizes: every level tiles its parent exactly, with no gap and no overlap.
 */
export function tileDistrict(rand: Random, opts: TilingOptions): Tiling {
  if (opts.gridRows[1] * opts.gridCols[1] > 99) throw new RangeError('at most 99 grids per community: a grid code has a 2-digit suffix');
  if (opts.communitiesPerStreet[1] > 999 || opts.streets > 999) throw new RangeError('at most 999 streets per district and communities per street (3-digit codes)');
  const district: Unit = { code: opts.districtCode, name: districtName(), level: 'district', parent: undefined, rect: opts.bbox };
  const sNames = streetNames(opts.streets);
  const streets = splitRows(rand, opts.bbox, rowsFor(opts.streets).reverse()).map((rect, i) => ({
    code: `${opts.districtCode}${String(i + 1).padStart(3, '0')}`,
    name: sNames[i]!,
    level: 'street' as const,
    parent: opts.districtCode,
    rect,
  }));

  const communities: Unit[] = [];
  const grids: Unit[] = [];
  const cNames = communityNames(rand, streets.length * opts.communitiesPerStreet[1]);
  for (const street of streets) {
    const count = rand.int(opts.communitiesPerStreet[0], opts.communitiesPerStreet[1]);
    splitRows(rand, street.rect, rowsFor(count)).forEach((rect, i) => {
      communities.push({ code: `${street.code}${String(i + 1).padStart(3, '0')}`, name: cNames[communities.length]!, level: 'community', parent: street.code, rect });
    });
  }
  for (const community of communities) {
    const rows = rand.int(opts.gridRows[0], opts.gridRows[1]);
    const cols = rand.int(opts.gridCols[0], opts.gridCols[1]);
    const ys = cuts(community.rect.y0, splitSizes(rand, community.rect.y1 - community.rect.y0, rows));
    const xs = cuts(community.rect.x0, splitSizes(rand, community.rect.x1 - community.rect.x0, cols));
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const n = row * cols + col + 1;
        grids.push({
          code: `${community.code}-${String(n).padStart(2, '0')}`,
          name: `${community.name}第${n}网格`,
          level: 'grid',
          parent: community.code,
          rect: { x0: xs[col]!, x1: xs[col + 1]!, y0: ys[row]!, y1: ys[row + 1]! },
          cell: { row, col, rows, cols },
        });
      }
    }
  }
  return { district, streets, communities, grids };
}

export interface InjectedDefect {
  readonly kind: 'gap' | 'overlap' | 'outside';
  /** The unit whose coverage check must report it. */
  readonly unit: string;
  /** The child grids involved. */
  readonly children: readonly string[];
  readonly areaM2: number;
  /** The problem region, in degrees. */
  readonly region: Rect;
}

const M_PER_DEG_LAT = 110_574;
function areaM2(r: Rect): number {
  const latMid = ((r.y0 + r.y1) / 2) * 1e-6;
  const w = (r.x1 - r.x0) * 1e-6 * 111_320 * Math.cos((latMid * Math.PI) / 180);
  const h = (r.y1 - r.y0) * 1e-6 * M_PER_DEG_LAT;
  return w * h;
}

/**
 * Breaks the tiling on purpose, in three different communities: one grid shrunk away from its
 * right-hand sibling (a gap), one grid grown into the sibling above it (an overlap), one grid on
 * its community's western edge grown outside the community (outside the parent).
 */
export function injectDefects(tiling: Tiling): InjectedDefect[] {
  const byCommunity = new Map<string, Unit[]>();
  for (const g of tiling.grids) byCommunity.set(g.parent!, [...(byCommunity.get(g.parent!) ?? []), g]);
  const communities = [...byCommunity.keys()];
  if (communities.length < 3) throw new Error('defect injection needs at least three communities');
  const find = (community: string, ok: (g: Unit) => boolean) => {
    const g = byCommunity.get(community)!.find(ok);
    if (!g) throw new Error(`no suitable grid in ${community}`);
    return g;
  };
  const defects: InjectedDefect[] = [];

  const a = find(communities[0]!, (g) => g.cell!.col < g.cell!.cols - 1);
  const d1 = Math.floor((a.rect.x1 - a.rect.x0) / 5);
  const gap: Rect = { x0: a.rect.x1 - d1, x1: a.rect.x1, y0: a.rect.y0, y1: a.rect.y1 };
  a.rect = { ...a.rect, x1: a.rect.x1 - d1 };
  defects.push({ kind: 'gap', unit: a.parent!, children: [a.code], areaM2: areaM2(gap), region: gap });

  const mid = communities[Math.floor(communities.length / 2)]!;
  const b = find(mid, (g) => g.cell!.row < g.cell!.rows - 1);
  const above = byCommunity.get(mid)!.find((g) => g.cell!.row === b.cell!.row + 1 && g.cell!.col === b.cell!.col)!;
  const d2 = Math.floor((above.rect.y1 - above.rect.y0) / 5);
  const overlap: Rect = { x0: b.rect.x0, x1: b.rect.x1, y0: b.rect.y1, y1: b.rect.y1 + d2 };
  b.rect = { ...b.rect, y1: b.rect.y1 + d2 };
  defects.push({ kind: 'overlap', unit: b.parent!, children: [b.code, above.code].sort(), areaM2: areaM2(overlap), region: overlap });

  const last = communities[communities.length - 1]!;
  const c = find(last, (g) => g.cell!.col === 0);
  const d3 = Math.floor((c.rect.x1 - c.rect.x0) / 5);
  const outside: Rect = { x0: c.rect.x0 - d3, x1: c.rect.x0, y0: c.rect.y0, y1: c.rect.y1 };
  c.rect = { ...c.rect, x0: c.rect.x0 - d3 };
  defects.push({ kind: 'outside', unit: c.parent!, children: [c.code], areaM2: areaM2(outside), region: outside });
  return defects;
}

/** GeoJSON ring of a rectangle, counter-clockwise (RFC 7946), in degrees. */
export function rectRing(r: Rect): [number, number][] {
  const p = (x: number, y: number): [number, number] => [x / 1e6, y / 1e6];
  return [p(r.x0, r.y0), p(r.x1, r.y0), p(r.x1, r.y1), p(r.x0, r.y1), p(r.x0, r.y0)];
}

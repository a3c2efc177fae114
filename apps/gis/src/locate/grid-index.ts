/**
 * An in-memory index of grid polygons for point → grid lookups without a database round trip.
 *
 * Rule (the same as the SQL path): a point belongs to every grid that *covers* it (interior or
 * boundary); when several do (a point on a shared edge or corner), the grid with the lowest code
 * wins. A point covered by no grid is outside the district.
 */

type Ring = Float64Array; // x0, y0, x1, y1, … closed (last = first)

interface Entry {
  readonly code: string;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  /** Polygons, each a list of rings (outer first, then holes). */
  readonly polygons: readonly (readonly Ring[])[];
}

export interface GridGeometry {
  readonly code: string;
  /** GeoJSON Polygon or MultiPolygon coordinates. */
  readonly geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export class GridIndex {
  private readonly entries: Entry[];
  private readonly cells: Uint32Array[];
  private readonly n: number;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cellW: number;
  private readonly cellH: number;

  constructor(grids: readonly GridGeometry[]) {
    this.entries = grids.map(toEntry).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    const minX = Math.min(...this.entries.map((e) => e.minX));
    const minY = Math.min(...this.entries.map((e) => e.minY));
    const maxX = Math.max(...this.entries.map((e) => e.maxX));
    const maxY = Math.max(...this.entries.map((e) => e.maxY));
    // About two candidate polygons per cell on a regular division.
    this.n = Math.max(1, Math.ceil(Math.sqrt(this.entries.length) * 1.5));
    this.minX = minX;
    this.minY = minY;
    this.cellW = (maxX - minX) / this.n || 1;
    this.cellH = (maxY - minY) / this.n || 1;
    const buckets: number[][] = Array.from({ length: this.n * this.n }, () => []);
    this.entries.forEach((e, i) => {
      const [cx0, cy0] = this.cellOf(e.minX, e.minY);
      const [cx1, cy1] = this.cellOf(e.maxX, e.maxY);
      for (let cx = cx0; cx <= cx1; cx++) for (let cy = cy0; cy <= cy1; cy++) buckets[cy * this.n + cx]!.push(i);
    });
    this.cells = buckets.map((b) => Uint32Array.from(b));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The code of the grid the point belongs to, or undefined outside every grid. */
  locate(x: number, y: number): string | undefined {
    if (!Number.isFinite(x) || !Number.isFinite(y) || this.entries.length === 0) return undefined;
    if (x < this.minX || y < this.minY || x > this.minX + this.cellW * this.n || y > this.minY + this.cellH * this.n) return undefined;
    const [cx, cy] = this.cellOf(x, y);
    // Candidates are sorted by code (entries are), so the first cover is the answer.
    for (const i of this.cells[cy * this.n + cx]!) {
      const e = this.entries[i]!;
      if (x < e.minX || x > e.maxX || y < e.minY || y > e.maxY) continue;
      if (e.polygons.some((p) => covers(p, x, y))) return e.code;
    }
    return undefined;
  }

  private cellOf(x: number, y: number): [number, number] {
    const cx = Math.min(this.n - 1, Math.max(0, Math.floor((x - this.minX) / this.cellW)));
    const cy = Math.min(this.n - 1, Math.max(0, Math.floor((y - this.minY) / this.cellH)));
    return [cx, cy];
  }
}

function toEntry(g: GridGeometry): Entry {
  const polys = g.geometry.type === 'Polygon' ? [g.geometry.coordinates] : g.geometry.coordinates;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const polygons = polys.map((rings) =>
    rings.map((ring) => {
      const a = new Float64Array(ring.length * 2);
      ring.forEach(([x, y], k) => {
        a[2 * k] = x!;
        a[2 * k + 1] = y!;
        if (x! < minX) minX = x!;
        if (x! > maxX) maxX = x!;
        if (y! < minY) minY = y!;
        if (y! > maxY) maxY = y!;
      });
      return a;
    }),
  );
  return { code: g.code, minX, minY, maxX, maxY, polygons };
}

/** Interior (even–odd over all rings, so holes work) or on any ring's boundary. */
export function covers(rings: readonly Ring[], x: number, y: number): boolean {
  let inside = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 2; i < r.length; j = i, i += 2) {
      const xi = r[i]!, yi = r[i + 1]!, xj = r[j]!, yj = r[j + 1]!;
      if (onSegment(xi, yi, xj, yj, x, y)) return true;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function onSegment(ax: number, ay: number, bx: number, by: number, x: number, y: number): boolean {
  if (x < Math.min(ax, bx) || x > Math.max(ax, bx) || y < Math.min(ay, by) || y > Math.max(ay, by)) return false;
  return (bx - ax) * (y - ay) - (by - ay) * (x - ax) === 0;
}

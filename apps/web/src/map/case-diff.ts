import type { CaseMapFeature } from '../shared/api/types';

/** Which points to take away and which to (re-)add: a changed point is removed and added again. */
export function caseDiff(prev: readonly CaseMapFeature[], next: readonly CaseMapFeature[]): { remove: string[]; add: CaseMapFeature[] } {
  const before = new Map<string, CaseMapFeature>();
  for (const f of prev) before.set(String(f.id), f);
  const remove: string[] = [];
  const add: CaseMapFeature[] = [];
  for (const f of next) {
    const key = String(f.id);
    const old = before.get(key);
    before.delete(key);
    if (old === f || (old && samePoint(old, f))) continue;
    if (old) remove.push(key);
    add.push(f);
  }
  for (const key of before.keys()) remove.push(key);
  return { remove, add };
}

function samePoint(a: CaseMapFeature, b: CaseMapFeature): boolean {
  const [ax, ay] = a.geometry.coordinates;
  const [bx, by] = b.geometry.coordinates;
  if (ax !== bx || ay !== by) return false;
  const pa = a.properties as Record<string, unknown>;
  const pb = b.properties as Record<string, unknown>;
  for (const k in pb) if (pa[k] !== pb[k]) return false;
  return Object.keys(pa).length === Object.keys(pb).length;
}

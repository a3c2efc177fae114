import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, Events, type BoundaryImportReport, type CoverageReport, type FieldError } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { CoverageService } from '../coverage/coverage.service';
import { BoundaryImportRepository, type StagedFeature } from './boundary-import.repository';

export type { BoundaryImportReport };

const MAX_ERRORS = 1000;

/**
 * Loads boundaries from a GeoJSON FeatureCollection (properties: code, name, level, parent_code).
 * Every feature is checked (code, level, parent, geometry valid); any bad feature rejects the whole
 * file, reported by feature number. Good files go through COPY into a staging table and are upserted
 * by code (re-importing the same file changes nothing). The coverage of every parent touched is
 * checked in the same transaction and returned.
 */
@Injectable()
export class BoundaryImportService {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly imports: BoundaryImportRepository,
    private readonly coverage: CoverageService,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
  ) {}

  /** Called after each import commits (the locate cache reloads). */
  onImported(listener: () => void): void {
    this.listeners.add(listener);
  }

  async import(text: string, actor: string): Promise<BoundaryImportReport> {
    const started = performance.now();
    const features = parseFeatures(text);
    const importId = randomUUID();

    const report = await this.imports.transaction(async (client) => {
      await this.imports.stage(client, features);
      const errors: FieldError[] = [];
      for (const r of await this.imports.invalidGeometries(client, MAX_ERRORS)) errors.push({ line: r.line, field: 'geometry', message: `invalid geometry: ${r.reason}` });
      for (const r of await this.imports.orphans(client, MAX_ERRORS)) errors.push({ line: r.line, field: 'properties.parent_code', message: `unknown parent unit ${r.parent_code}` });
      if (errors.length > 0) throw rejected(errors);

      const { inserted, updated } = await this.imports.upsertStaged(client);
      const parents = await this.imports.unitsToCheck(client);
      const checks: CoverageReport[] = [];
      for (const p of parents) checks.push(await this.coverage.check(p, false, client));
      const coverage = {
        units: parents,
        unitsChecked: parents.length,
        toleranceM2: checks[0]?.toleranceM2 ?? 0,
        gaps: sum(checks, 'gaps'),
        overlaps: sum(checks, 'overlaps'),
        outside: sum(checks, 'outside'),
        problems: checks.flatMap((c) => c.problems),
      };
      const summary = { unitsChecked: coverage.unitsChecked, gaps: coverage.gaps, overlaps: coverage.overlaps, outside: coverage.outside };
      await this.imports.recordImport(client, { id: importId, actor, features: features.length, inserted, updated, coverage: summary });
      await this.outbox.addWith(client, this.imports.schema, Events.boundaryImported, {
        importId,
        features: features.length,
        inserted,
        updated,
        coverage: summary,
      });
      return { importId, features: features.length, inserted, updated, unchanged: features.length - inserted - updated, coverage };
    });

    for (const l of this.listeners) l();
    const durationMs = Math.round(performance.now() - started);
    this.logger.event('info', 'boundaries.imported', { importId, features: report.features, inserted: report.inserted, updated: report.updated, gaps: report.coverage.gaps, overlaps: report.coverage.overlaps, outside: report.coverage.outside, durationMs }, 'BoundaryImportService');
    return { ...report, durationMs };
  }
}

function sum(reports: readonly CoverageReport[], key: 'gaps' | 'overlaps' | 'outside'): number {
  return reports.reduce((s, r) => s + r[key], 0);
}

function rejected(errors: readonly FieldError[]): DomainError {
  const first = errors[0]!;
  return new DomainError('IMPORT.REJECTED', `${errors.length} invalid feature(s); first: feature ${first.line}, ${first.field}: ${first.message}`, errors.slice(0, MAX_ERRORS));
}

/** Checks the file's shape and every feature's properties; throws IMPORT.REJECTED listing each bad feature. */
export function parseFeatures(text: string): StagedFeature[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new DomainError('IMPORT.REJECTED', 'the file is not JSON', [{ field: '(file)', message: 'not JSON' }]);
  }
  const fc = doc as { type?: unknown; features?: unknown };
  if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new DomainError('IMPORT.REJECTED', 'expected a GeoJSON FeatureCollection', [{ field: '(file)', message: 'expected {"type":"FeatureCollection","features":[…]}' }]);
  }
  const errors: FieldError[] = [];
  const out: StagedFeature[] = [];
  const seen = new Map<string, number>();
  fc.features.forEach((raw: unknown, i: number) => {
    const line = i + 1;
    const f = raw as { properties?: Record<string, unknown> | null; geometry?: { type?: unknown; coordinates?: unknown } | null };
    const p = f?.properties ?? {};
    const problems: FieldError[] = [];
    const code = typeof p['code'] === 'string' ? p['code'] : '';
    let unit: OrgUnitCode | undefined;
    try {
      unit = OrgUnitCode.parse(code);
    } catch {
      problems.push({ line, field: 'properties.code', message: `not an org unit code: "${code}"` });
    }
    const name = typeof p['name'] === 'string' ? p['name'].trim() : '';
    if (name.length === 0 || name.length > 100) problems.push({ line, field: 'properties.name', message: 'name must be 1–100 characters' });
    if (unit && p['level'] !== unit.level) problems.push({ line, field: 'properties.level', message: `level must be "${unit.level}" for code ${unit.value}` });
    const parent = p['parent_code'] === undefined || p['parent_code'] === null || p['parent_code'] === '' ? null : String(p['parent_code']);
    if (unit && parent !== (unit.parent?.value ?? null)) problems.push({ line, field: 'properties.parent_code', message: `parent of ${unit.value} must be ${unit.parent?.value ?? 'empty'}` });
    const g = f?.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !coordinatesOk(g.type, g.coordinates)) {
      problems.push({ line, field: 'geometry', message: 'expected a Polygon or MultiPolygon with closed rings of WGS84 coordinates' });
    }
    if (unit) {
      const prev = seen.get(unit.value);
      if (prev !== undefined) problems.push({ line, field: 'properties.code', message: `duplicate of feature ${prev}` });
      seen.set(unit.value, line);
    }
    if (problems.length > 0) errors.push(...problems);
    else out.push({ line, code: unit!.value, level: unit!.level, name, parent, geometry: JSON.stringify(g) });
  });
  if (errors.length > 0) throw rejected(errors);
  if (out.length === 0) throw new DomainError('IMPORT.REJECTED', 'the file has no features', [{ field: '(file)', message: 'no features' }]);
  return out;
}

function coordinatesOk(type: unknown, coords: unknown): boolean {
  const ringOk = (ring: unknown) =>
    Array.isArray(ring) &&
    ring.length >= 4 &&
    ring.every((pt) => Array.isArray(pt) && pt.length >= 2 && typeof pt[0] === 'number' && typeof pt[1] === 'number' && Math.abs(pt[0]) <= 180 && Math.abs(pt[1]) <= 90) &&
    ring[0][0] === ring[ring.length - 1][0] &&
    ring[0][1] === ring[ring.length - 1][1];
  const polygonOk = (poly: unknown) => Array.isArray(poly) && poly.length >= 1 && poly.every(ringOk);
  if (type === 'Polygon') return polygonOk(coords);
  return Array.isArray(coords) && coords.length >= 1 && coords.every(polygonOk);
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, Events, type BoundaryImportReport, type CoverageReport, type FieldError } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { copyLine } from '@gm/persistence';
import { JsonLogger } from '@gm/telemetry';
import { CoverageService } from '../coverage/coverage.service';
import { ServiceSql } from '@gm/platform';

export type { BoundaryImportReport };

interface StagedFeature {
  readonly line: number;
  readonly code: string;
  readonly level: string;
  readonly name: string;
  readonly parent: string | null;
  readonly geometry: string;
}

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
    private readonly sql: ServiceSql,
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
    const t = this.sql.table('boundaries');

    const report = await this.sql.transaction(async (client) => {
      await client.query(`CREATE TEMP TABLE boundary_stage (line int, code text, level text, name text, parent_code text, geojson text) ON COMMIT DROP`);
      await this.sql.copyIn(
        client,
        'COPY boundary_stage (line, code, level, name, parent_code, geojson) FROM STDIN',
        features.map((f) => copyLine([f.line, f.code, f.level, f.name, f.parent, f.geometry])),
      );
      const errors: FieldError[] = [];
      const invalid = await client.query<{ line: number; reason: string }>(
        `SELECT line, ST_IsValidReason(ST_GeomFromGeoJSON(geojson)) AS reason FROM boundary_stage WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(geojson)) ORDER BY line LIMIT ${MAX_ERRORS}`,
      );
      for (const r of invalid.rows) errors.push({ line: r.line, field: 'geometry', message: `invalid geometry: ${r.reason}` });
      const orphans = await client.query<{ line: number; parent_code: string }>(
        `SELECT s.line, s.parent_code FROM boundary_stage s
         WHERE s.parent_code IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM boundary_stage p WHERE p.code = s.parent_code)
           AND NOT EXISTS (SELECT 1 FROM ${t} b WHERE b.code = s.parent_code)
         ORDER BY s.line LIMIT ${MAX_ERRORS}`,
      );
      for (const r of orphans.rows) errors.push({ line: r.line, field: 'properties.parent_code', message: `unknown parent unit ${r.parent_code}` });
      if (errors.length > 0) throw rejected(errors);

      const counts = await client.query<{ inserted: string; updated: string }>(
        `WITH s AS (SELECT code, level, name, parent_code, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326)) AS g FROM boundary_stage),
              up AS (
                INSERT INTO ${t} (code, level, name, parent_code, geom, area_m2, updated_at)
                SELECT code, level, name, parent_code, g, ST_Area(g::geography), now() FROM s
                ON CONFLICT (code) DO UPDATE SET level = EXCLUDED.level, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code,
                  geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2, updated_at = now()
                WHERE NOT ST_OrderingEquals(boundaries.geom, EXCLUDED.geom) OR boundaries.name <> EXCLUDED.name
                   OR boundaries.level <> EXCLUDED.level OR boundaries.parent_code IS DISTINCT FROM EXCLUDED.parent_code
                RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`,
      );
      const inserted = Number(counts.rows[0]?.inserted ?? 0);
      const updated = Number(counts.rows[0]?.updated ?? 0);

      // Check every unit whose set of children this file touched, and every unit it (re)defined that has children.
      const parents = (
        await client.query<{ code: string }>(
          `SELECT DISTINCT code FROM (SELECT parent_code AS code FROM boundary_stage WHERE parent_code IS NOT NULL
                                      UNION SELECT s.code FROM boundary_stage s WHERE EXISTS (SELECT 1 FROM ${t} c WHERE c.parent_code = s.code)) x
           WHERE EXISTS (SELECT 1 FROM ${t} b WHERE b.code = x.code) ORDER BY code`,
        )
      ).rows.map((r) => r.code);
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
      await client.query(`INSERT INTO ${this.sql.table('boundary_imports')} (id, actor, features, inserted, updated, coverage) VALUES ($1, $2, $3, $4, $5, $6)`, [
        importId,
        actor,
        features.length,
        inserted,
        updated,
        JSON.stringify({ unitsChecked: coverage.unitsChecked, gaps: coverage.gaps, overlaps: coverage.overlaps, outside: coverage.outside }),
      ]);
      await this.outbox.addWith(client, this.sql.schema, Events.boundaryImported, {
        importId,
        features: features.length,
        inserted,
        updated,
        coverage: { unitsChecked: coverage.unitsChecked, gaps: coverage.gaps, overlaps: coverage.overlaps, outside: coverage.outside },
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

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Events, scopedSubject, type GeoPoint, type LocatedUnits } from '@gm/contracts';
import { NatsClient } from '@gm/messaging';
import { OrgUnitCode } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { BoundaryImportService } from '../boundaries/boundary-import.service';
import { ServiceSql } from '@gm/platform';
import { GridIndex, type GridGeometry } from './grid-index';

/**
 * Point → grid (and its community, street, district, which the grid code contains). Two paths
 * with one rule: the in-memory GridIndex (default) and PostGIS `ST_Covers`; on a shared edge the
 * lowest grid code wins.
 */
@Injectable()
export class LocateService implements OnApplicationBootstrap, OnApplicationShutdown {
  private index: GridIndex | undefined;
  private signature = '';
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly sql: ServiceSql,
    private readonly imports: BoundaryImportService,
    private readonly nats: NatsClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.own.LOCATE_CACHE) return;
    this.imports.onImported(() => this.reloadSoon());
    // Imports made by another replica or a CLI process: every replica hears the event (a plain
    // subscription, not a queue group) and reloads; the periodic check covers a missed one.
    void this.nats.connection().then((nc) =>
      nc.subscribe(scopedSubject(this.config.namespace, Events.boundaryImported.type), { callback: () => this.reloadSoon() }),
    );
    await this.reload();
    this.timer = setInterval(() => void this.reloadIfChanged(), this.config.own.LOCATE_CACHE_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** A reload that never fails its caller (logged instead) and does nothing while shutting down. */
  private reloadSoon(): void {
    if (this.closing) return;
    this.reload().catch((err: unknown) => {
      if (!this.closing) this.logger.event('warn', 'locate.cache_reload_failed', { error: err instanceof Error ? err.message : String(err) }, 'LocateService');
    });
  }

  async locate(points: readonly GeoPoint[]): Promise<(LocatedUnits | null)[]> {
    return (await this.gridCodes(points)).map((code) => (code ? unitsOf(code) : null));
  }

  async gridCodes(points: readonly GeoPoint[]): Promise<(string | null)[]> {
    const index = this.index;
    const codes = index && index.size > 0 ? points.map((p) => index.locate(p.longitude, p.latitude)) : await this.locateSql(points);
    return codes.map((c) => c ?? null);
  }

  private async locateSql(points: readonly GeoPoint[]): Promise<(string | undefined)[]> {
    if (points.length === 1) {
      const rows = await this.sql.query<{ code: string }>(
        `SELECT code FROM ${this.sql.table('boundaries')} WHERE level = 'grid' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1`,
        [points[0]!.longitude, points[0]!.latitude],
      );
      return [rows[0]?.code];
    }
    const rows = await this.sql.query<{ code: string | null }>(
      `SELECT (SELECT b.code FROM ${this.sql.table('boundaries')} b
               WHERE b.level = 'grid' AND ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) ORDER BY b.code LIMIT 1) AS code
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, i) ORDER BY p.i`,
      [points.map((p) => p.longitude), points.map((p) => p.latitude)],
    );
    return rows.map((r) => r.code ?? undefined);
  }

  private async currentSignature(): Promise<string> {
    const [row] = await this.sql.query<{ n: string; at: string | null }>(`SELECT count(*) AS n, max(updated_at)::text AS at FROM ${this.sql.table('boundaries')} WHERE level = 'grid'`);
    return `${row?.n}/${row?.at}`;
  }

  private async reloadIfChanged(): Promise<void> {
    if (this.closing) return;
    try {
      if ((await this.currentSignature()) !== this.signature) await this.reload();
    } catch (err) {
      this.logger.event('warn', 'locate.cache_check_failed', { error: err instanceof Error ? err.message : String(err) }, 'LocateService');
    }
  }

  async reload(): Promise<void> {
    const started = performance.now();
    const signature = await this.currentSignature();
    const rows = await this.sql.query<{ code: string; geometry: GridGeometry['geometry'] }>(
      `SELECT code, ST_AsGeoJSON(geom)::json AS geometry FROM ${this.sql.table('boundaries')} WHERE level = 'grid'`,
    );
    this.index = new GridIndex(rows);
    this.signature = signature;
    this.logger.event('info', 'locate.cache_loaded', { grids: rows.length, ms: Math.round(performance.now() - started) }, 'LocateService');
  }
}

export function unitsOf(gridCode: string): LocatedUnits {
  const [district, street, community, grid] = OrgUnitCode.parse(gridCode).path.map((u) => u.value);
  return { gridCode: grid!, communityCode: community!, streetCode: street!, districtCode: district! };
}

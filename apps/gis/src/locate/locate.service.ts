import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Events, scopedSubject, type GeoPoint, type LocatedUnits } from '@gm/contracts';
import { NatsClient } from '@gm/messaging';
import { OrgUnitCode } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { BoundaryImportService } from '../boundaries/boundary-import.service';
import { BoundaryRepository } from '../boundaries/boundary.repository';
import { GridIndex } from './grid-index';

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
    private readonly boundaries: BoundaryRepository,
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
    if (points.length === 1) return [await this.boundaries.gridAt(points[0]!.longitude, points[0]!.latitude)];
    return this.boundaries.gridsAt(points);
  }

  private async reloadIfChanged(): Promise<void> {
    if (this.closing) return;
    try {
      if ((await this.boundaries.gridsSignature()) !== this.signature) await this.reload();
    } catch (err) {
      this.logger.event('warn', 'locate.cache_check_failed', { error: err instanceof Error ? err.message : String(err) }, 'LocateService');
    }
  }

  async reload(): Promise<void> {
    const started = performance.now();
    const signature = await this.boundaries.gridsSignature();
    const rows = await this.boundaries.gridGeometries();
    this.index = new GridIndex(rows);
    this.signature = signature;
    this.logger.event('info', 'locate.cache_loaded', { grids: rows.length, ms: Math.round(performance.now() - started) }, 'LocateService');
  }
}

export function unitsOf(gridCode: string): LocatedUnits {
  const [district, street, community, grid] = OrgUnitCode.parse(gridCode).path.map((u) => u.value);
  return { gridCode: grid!, communityCode: community!, streetCode: street!, districtCode: district! };
}

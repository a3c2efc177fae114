import { Inject, Injectable } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  Rpc,
  type PatrolPage,
  type PatrolPointsBody,
  type PatrolStartBody,
  type PatrolStopBody,
  type PatrolView,
  type Principal,
} from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { tableOf } from '../service-table';
import { fixTimeProblems, PositionService } from '../positions/position.service';
import { trackLengthM } from './track';

/** Writes what must stand or fall with the change (the sync's record of the item) in its transaction. */
export type AlsoInTx<R> = (tx: EntityManager, result: R) => Promise<void>;

interface PatrolRow {
  id: string;
  worker_subject: string;
  worker_username: string;
  grid_code: string;
  /** As the driver gives it: a Date or its text. */
  started_at: Date | string;
  ended_at: Date | string | null;
  filtered: number;
  distance_m: number;
  coverage: number | null;
  coverage_within_m: number | null;
  points: number;
}

/**
 * Patrols (巡查): started, fed with track points and stopped from the handheld, usually through its
 * offline queue. Points less accurate than `PATROL_MAX_ACCURACY_M` are left out (and counted); the
 * kept ones also feed the command centre's live map as the worker's positions. At the stop the
 * track's length and duration are recorded, and gis says how much of the grid lies within
 * `PATROL_COVERAGE_WITHIN_M` of it.
 */
@Injectable()
export class PatrolService {
  constructor(
    private readonly orm: MikroORM,
    private readonly positions: PositionService,
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(principal: Principal, body: PatrolStartBody, alsoInTx?: AlsoInTx<PatrolView>): Promise<PatrolView> {
    const grid = body.gridCode ?? principal.orgUnit;
    const unit = OrgUnitCode.isValid(grid) ? OrgUnitCode.parse(grid) : undefined;
    if (!unit || unit.level !== 'grid') throw DomainError.validation([{ field: 'gridCode', message: body.gridCode ? `${grid} is not a grid` : `your unit ${grid} is not a grid: name the grid in gridCode` }]);
    if (!OrgUnitCode.parse(principal.orgUnit).contains(unit)) throw new DomainError('AUTH.OUT_OF_SCOPE', `grid ${grid} is outside your unit ${principal.orgUnit}`);
    const errors = fixTimeProblems([{ at: body.startedAt }], new Date(), 'start').map((e) => ({ ...e, field: 'startedAt' }));
    if (errors.length > 0) throw DomainError.validation(errors);
    return this.orm.em.fork().transactional(async (tx) => {
      const existing = await this.row(tx, body.patrolId);
      if (existing && existing.worker_subject !== principal.subject) throw new DomainError('PATROL.NOT_FOUND', `no patrol ${body.patrolId} of yours`);
      if (!existing) {
        await tx.execute(`INSERT INTO ${tableOf(tx, 'patrols')} (id, worker_subject, worker_username, grid_code, started_at) VALUES (?, ?, ?, ?, ?)`, [
          body.patrolId,
          principal.subject,
          principal.username ?? principal.subject,
          grid,
          body.startedAt,
        ]);
      }
      const view = viewOf((await this.row(tx, body.patrolId))!);
      await alsoInTx?.(tx, view);
      return view;
    });
  }

  async points(principal: Principal, body: PatrolPointsBody, alsoInTx?: AlsoInTx<PatrolView>): Promise<PatrolView> {
    const now = new Date();
    const errors = fixTimeProblems(body.points, now, 'points');
    if (errors.length > 0) throw DomainError.validation(errors);
    const patrol = await this.mine(this.orm.em.fork(), principal, body.patrolId);
    if (patrol.ended_at) throw new DomainError('PATROL.ENDED', `patrol ${body.patrolId} ended at ${new Date(patrol.ended_at).toISOString()}`);
    const kept = body.points.filter((p) => p.accuracy <= this.config.own.PATROL_MAX_ACCURACY_M);
    const filtered = body.points.length - kept.length;
    const write = async (tx: EntityManager) => {
      if (kept.length > 0) {
        await tx.execute(
          // One JSON parameter: the driver's placeholders would spread an array into a list.
          `INSERT INTO ${tableOf(tx, 'patrol_points')} (patrol_id, at, longitude, latitude, accuracy)
           SELECT ?::uuid, (e->>'at')::timestamptz, (e->>'longitude')::float8, (e->>'latitude')::float8, (e->>'accuracy')::float8
             FROM jsonb_array_elements(?::jsonb) AS e ON CONFLICT DO NOTHING`,
          [body.patrolId, JSON.stringify(kept)],
        );
      }
      await tx.execute(`UPDATE ${tableOf(tx, 'patrols')} SET filtered = filtered + ? WHERE id = ?`, [filtered, body.patrolId]);
      const view = viewOf((await this.row(tx, body.patrolId))!);
      await alsoInTx?.(tx, view);
      return view;
    };
    if (kept.length === 0) return this.orm.em.fork().transactional(write);
    // The kept points are also the worker's positions: the console's map shows the patrol as it goes.
    let view: PatrolView | undefined;
    await this.positions.accept(principal, { fixes: kept }, now, async (tx) => {
      view = await write(tx);
    });
    return view!;
  }

  async stop(principal: Principal, authorization: string, body: PatrolStopBody, alsoInTx?: AlsoInTx<PatrolView>): Promise<PatrolView> {
    const em = this.orm.em.fork();
    const patrol = await this.mine(em, principal, body.patrolId);
    if (patrol.ended_at) {
      if (new Date(patrol.ended_at).getTime() === Date.parse(body.endedAt)) return viewOf(patrol);
      throw new DomainError('PATROL.ENDED', `patrol ${body.patrolId} already ended at ${new Date(patrol.ended_at).toISOString()}`);
    }
    if (Date.parse(body.endedAt) < new Date(patrol.started_at).getTime()) throw DomainError.validation([{ field: 'endedAt', message: 'is before the patrol started' }]);
    const errors = fixTimeProblems([{ at: body.endedAt }], new Date(), 'stop').map((e) => ({ ...e, field: 'endedAt' }));
    if (errors.length > 0) throw DomainError.validation(errors);
    const track = await em.execute<{ longitude: number; latitude: number }[]>(`SELECT longitude, latitude FROM ${tableOf(em, 'patrol_points')} WHERE patrol_id = ? ORDER BY at`, [body.patrolId]);
    const distance = trackLengthM(track);
    const withinM = this.config.own.PATROL_COVERAGE_WITHIN_M;
    let share: number | null = null;
    if (track.length > 0) {
      try {
        share = (await this.rpc.request(Rpc.trackCoverage, { gridCode: patrol.grid_code, track, withinM }, { authorization, timeoutMs: 10_000 })).share;
      } catch (err) {
        // The patrol ends all the same; its coverage is unknown (null), and the log says why.
        this.logger.event('warn', 'patrol.coverage_unknown', { patrolId: body.patrolId, error: err instanceof Error ? err.message : String(err) }, 'PatrolService');
      }
    }
    return em.transactional(async (tx) => {
      await tx.execute(`UPDATE ${tableOf(tx, 'patrols')} SET ended_at = ?, distance_m = ?, coverage = ?, coverage_within_m = ? WHERE id = ? AND ended_at IS NULL`, [
        body.endedAt,
        distance,
        share,
        share === null ? null : withinM,
        body.patrolId,
      ]);
      const view = viewOf((await this.row(tx, body.patrolId))!);
      await alsoInTx?.(tx, view);
      return view;
    });
  }

  /** A worker's own patrols; a grid leader and staff see those of the grids in their unit. Newest first. */
  async list(principal: Principal, limit: number, before?: string): Promise<PatrolPage> {
    const em = this.orm.em.fork();
    const worker = principal.roles.every((r) => r === 'grid-worker');
    const rows = await em.execute<PatrolRow[]>(
      `${this.select(em)} WHERE ${worker ? 'p.worker_subject = ?' : 'p.grid_code LIKE ?'} ${before ? 'AND p.started_at < ?' : ''} ORDER BY p.started_at DESC LIMIT ?`,
      [worker ? principal.subject : `${principal.orgUnit}%`, ...(before ? [before] : []), limit + 1],
    );
    const items = rows.slice(0, limit).map(viewOf);
    return { items, nextCursor: rows.length > limit ? items.at(-1)!.startedAt : null };
  }

  async get(principal: Principal, id: string): Promise<PatrolView> {
    const em = this.orm.em.fork();
    const row = await this.row(em, id);
    if (!row || !(row.worker_subject === principal.subject || OrgUnitCode.parse(principal.orgUnit).contains(OrgUnitCode.parse(row.grid_code)))) {
      throw new DomainError('PATROL.NOT_FOUND', `no patrol ${id} in your unit`);
    }
    return viewOf(row);
  }

  private async mine(em: EntityManager, principal: Principal, id: string): Promise<PatrolRow> {
    const row = await this.row(em, id);
    if (!row || row.worker_subject !== principal.subject) throw new DomainError('PATROL.NOT_FOUND', `no patrol ${id} of yours: start it first`);
    return row;
  }

  private select(em: EntityManager): string {
    return `SELECT p.*, (SELECT count(*)::int FROM ${tableOf(em, 'patrol_points')} pp WHERE pp.patrol_id = p.id) AS points FROM ${tableOf(em, 'patrols')} p`;
  }

  private async row(em: EntityManager, id: string): Promise<PatrolRow | undefined> {
    return (await em.execute<PatrolRow[]>(`${this.select(em)} WHERE p.id = ?`, [id]))[0];
  }
}

function viewOf(r: PatrolRow): PatrolView {
  const started = new Date(r.started_at);
  const ended = r.ended_at ? new Date(r.ended_at) : null;
  return {
    id: r.id,
    worker: r.worker_username,
    gridCode: r.grid_code,
    startedAt: started.toISOString(),
    endedAt: ended?.toISOString() ?? null,
    points: Number(r.points),
    filtered: Number(r.filtered),
    distanceM: Math.round(Number(r.distance_m) * 10) / 10,
    durationS: ended ? Math.round((ended.getTime() - started.getTime()) / 1000) : null,
    coverage: r.coverage === null ? null : { share: Number(r.coverage), withinM: Number(r.coverage_within_m) },
  };
}

import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CoveredWorker, HandoverView } from '@gm/contracts';
import { tableOf } from '../service-table';

interface Row {
  id: string;
  worker_username: string;
  grid_code: string;
  covered_by: string;
  reason: HandoverView['reason'];
  starts_at: Date | string;
  ends_at: Date | string | null;
  ended_at: Date | string | null;
  note: string | null;
  recorded_by: string;
  recorded_at: Date | string;
  active: boolean;
}

const iso = (v: Date | string) => new Date(v).toISOString();

function viewOf(r: Row): HandoverView {
  return {
    id: r.id,
    worker: r.worker_username,
    gridCode: r.grid_code,
    coveredBy: r.covered_by,
    reason: r.reason,
    from: iso(r.starts_at),
    until: r.ends_at === null ? null : iso(r.ends_at),
    endedAt: r.ended_at === null ? null : iso(r.ended_at),
    note: r.note,
    recordedBy: r.recorded_by,
    recordedAt: iso(r.recorded_at),
    active: r.active,
  };
}

/** A hand-over is active from its start until its end (if it has one), unless ended early. */
const ACTIVE = `(h.starts_at <= now() AND (h.ends_at IS NULL OR h.ends_at > now()) AND h.ended_at IS NULL)`;
const COLUMNS = `h.id, h.worker_username, h.grid_code, h.covered_by, h.reason, h.starts_at, h.ends_at, h.ended_at, h.note, h.recorded_by, h.recorded_at, ${ACTIVE} AS active`;

/** The only place that queries the workers seen and the hand-overs (mobile-gateway's schema). */
@Injectable()
export class HandoverRepository {
  constructor(private readonly orm: MikroORM) {}

  private t(table: string): string {
    return tableOf(this.orm.em, table);
  }

  async seen(subject: string, username: string, gridCode: string): Promise<void> {
    await this.orm.em.fork().execute(
      `INSERT INTO ${this.t('workers')} (subject, username, grid_code, last_seen_at) VALUES (?, ?, ?, now())
       ON CONFLICT (subject) DO UPDATE SET username = excluded.username, grid_code = excluded.grid_code, last_seen_at = now()`,
      [subject, username, gridCode],
    );
  }

  async insert(h: { id: string; worker: string; gridCode: string; coveredBy: string; reason: HandoverView['reason']; from: Date; until: Date | null; note: string | null; recordedBy: string }): Promise<HandoverView> {
    await this.orm.em.fork().execute(
      `INSERT INTO ${this.t('handovers')} (id, worker_username, grid_code, covered_by, reason, starts_at, ends_at, note, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [h.id, h.worker, h.gridCode, h.coveredBy, h.reason, h.from, h.until, h.note, h.recordedBy],
    );
    return (await this.one(h.id))!;
  }

  async one(id: string): Promise<HandoverView | undefined> {
    const [row] = await this.orm.em.fork().execute<Row[]>(`SELECT ${COLUMNS} FROM ${this.t('handovers')} h WHERE h.id = ?`, [id]);
    return row ? viewOf(row) : undefined;
  }

  /** Ends a hand-over now (back on duty, or ended by staff); false when it had already ended. */
  async end(id: string): Promise<boolean> {
    const rows = await this.orm.em.fork().execute<{ id: string }[]>(
      `UPDATE ${this.t('handovers')} h SET ended_at = now() WHERE h.id = ? AND h.ended_at IS NULL AND (h.ends_at IS NULL OR h.ends_at > now()) RETURNING h.id`,
      [id],
    );
    return rows.length > 0;
  }

  /** The worker's own hand-overs that are active now or still to come (ended when the worker comes back on duty). */
  async openOf(worker: string): Promise<HandoverView[]> {
    const rows = await this.orm.em.fork().execute<Row[]>(
      `SELECT ${COLUMNS} FROM ${this.t('handovers')} h WHERE h.worker_username = ? AND h.ended_at IS NULL AND (h.ends_at IS NULL OR h.ends_at > now()) ORDER BY h.starts_at`,
      [worker],
    );
    return rows.map(viewOf);
  }

  async activeFor(worker: string): Promise<HandoverView | undefined> {
    const [row] = await this.orm.em.fork().execute<Row[]>(`SELECT ${COLUMNS} FROM ${this.t('handovers')} h WHERE h.worker_username = ? AND ${ACTIVE} ORDER BY h.starts_at DESC LIMIT 1`, [worker]);
    return row ? viewOf(row) : undefined;
  }

  /** The hand-overs the account covers now. */
  async coveredBy(username: string): Promise<HandoverView[]> {
    const rows = await this.orm.em.fork().execute<Row[]>(`SELECT ${COLUMNS} FROM ${this.t('handovers')} h WHERE h.covered_by = ? AND ${ACTIVE} ORDER BY h.starts_at`, [username]);
    return rows.map(viewOf);
  }

  /** The workers the account covers now, as their cases name them (subject) with their grid; a worker this tier has never seen has no cases here. */
  async coveredWorkers(username: string): Promise<CoveredWorker[]> {
    return this.orm.em.fork().execute<CoveredWorker[]>(
      `SELECT DISTINCT w.subject, h.grid_code AS "gridCode" FROM ${this.t('handovers')} h JOIN ${this.t('workers')} w ON w.username = h.worker_username
       WHERE h.covered_by = ? AND ${ACTIVE} LIMIT 10`,
      [username],
    );
  }

  /** The same, for an account known by its subject only (a report forwarded later carries no name). */
  async coveredWorkersOfSubject(subject: string): Promise<CoveredWorker[]> {
    return this.orm.em.fork().execute<CoveredWorker[]>(
      `SELECT DISTINCT w.subject, h.grid_code AS "gridCode" FROM ${this.t('workers')} me JOIN ${this.t('handovers')} h ON h.covered_by = me.username
       JOIN ${this.t('workers')} w ON w.username = h.worker_username WHERE me.subject = ? AND ${ACTIVE} LIMIT 10`,
      [subject],
    );
  }

  /** Hand-overs of the grids under a unit: active or to come first, then the latest ended. */
  async list(unit: string, onlyActive: boolean, limit: number): Promise<HandoverView[]> {
    const rows = await this.orm.em.fork().execute<Row[]>(
      `SELECT ${COLUMNS} FROM ${this.t('handovers')} h WHERE h.grid_code LIKE ? ${onlyActive ? `AND ${ACTIVE}` : ''}
       ORDER BY (h.ended_at IS NULL AND (h.ends_at IS NULL OR h.ends_at > now())) DESC, h.starts_at DESC LIMIT ?`,
      [`${unit}%`, limit],
    );
    return rows.map(viewOf);
  }
}

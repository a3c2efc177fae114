import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ServiceSql } from '@gm/platform';

type Db = Pick<pg.PoolClient, 'query'>;

export interface ServiceRequestRow {
  readonly id: string;
  readonly no: string;
  readonly serviceCode: string;
  readonly residentId: string;
  readonly gridCode: string;
  readonly status: 'open' | 'completed' | 'rejected';
  readonly stepIndex: number;
  readonly materials: string[];
  readonly takenBy: string;
  readonly takenAt: Date;
  readonly deadline: Date;
  readonly closedAt: Date | null;
}

export interface ServiceRequestStep {
  readonly action: 'take' | 'materials' | 'advance' | 'reject';
  readonly step: string;
  readonly at: Date;
  readonly actor: string;
  readonly role: string;
  readonly note: string | null;
}

const COLUMNS = `id, no, service_code AS "serviceCode", resident_id AS "residentId", grid_code AS "gridCode", status, step_index AS "stepIndex",
  materials, taken_by AS "takenBy", taken_at AS "takenAt", deadline, closed_at AS "closedAt"`;

/** The only place that queries resident service requests (plain SQL, `$n`). */
@Injectable()
export class ServiceRequestRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t(name: string): string {
    return this.sql.table(name);
  }

  transaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  async insert(db: Db, r: Omit<ServiceRequestRow, 'no' | 'status' | 'stepIndex' | 'closedAt'>): Promise<void> {
    await db.query(
      `INSERT INTO ${this.t('service_requests')} (id, no, service_code, resident_id, grid_code, status, materials, taken_by, taken_at, deadline)
       VALUES ($1, 'DB' || to_char($7::timestamptz AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('"${this.sql.schema}".service_request_no')::text, 6, '0'),
         $2, $3, $4, 'open', $5, $6, $7, $8)`,
      [r.id, r.serviceCode, r.residentId, r.gridCode, r.materials, r.takenBy, r.takenAt, r.deadline],
    );
  }

  async lock(db: Db, id: string): Promise<ServiceRequestRow | undefined> {
    return (await db.query<ServiceRequestRow>(`SELECT ${COLUMNS} FROM ${this.t('service_requests')} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
  }

  async one(id: string, db: Db = this.sql.pool): Promise<ServiceRequestRow | undefined> {
    return (await db.query<ServiceRequestRow>(`SELECT ${COLUMNS} FROM ${this.t('service_requests')} WHERE id = $1`, [id])).rows[0];
  }

  /** A request and its history from one snapshot: a step committed between the two reads cannot make them disagree. */
  withSteps(id: string): Promise<{ row: ServiceRequestRow | undefined; steps: ServiceRequestStep[] }> {
    return this.sql.snapshot(async (db) => ({ row: await this.one(id, db), steps: await this.steps(id, db) }));
  }

  async update(db: Db, id: string, set: { status?: string; stepIndex?: number; materials?: readonly string[]; closedAt?: Date }): Promise<void> {
    await db.query(
      `UPDATE ${this.t('service_requests')} SET status = coalesce($2, status), step_index = coalesce($3, step_index), materials = coalesce($4, materials),
         closed_at = coalesce(closed_at, $5) WHERE id = $1`,
      [id, set.status ?? null, set.stepIndex ?? null, set.materials ? [...set.materials] : null, set.closedAt ?? null],
    );
  }

  async addStep(db: Db, id: string, s: ServiceRequestStep): Promise<void> {
    await db.query(`INSERT INTO ${this.t('service_request_steps')} (request_id, action, step, at, actor, role, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      id, s.action, s.step, s.at, s.actor, s.role, s.note,
    ]);
  }

  async steps(id: string, db: Db = this.sql.pool): Promise<ServiceRequestStep[]> {
    return (await db.query<ServiceRequestStep>(`SELECT action, step, at, actor, role, note FROM ${this.t('service_request_steps')} WHERE request_id = $1 ORDER BY id`, [id])).rows;
  }

  async page(
    under: string,
    f: { status?: string | undefined; serviceCode?: string | undefined; overdue?: boolean | undefined; limit: number; offset: number },
    now: Date,
  ): Promise<{ rows: ServiceRequestRow[]; total: number }> {
    const params: unknown[] = [under, `${under}%`];
    const where = ['(grid_code = $1 OR grid_code LIKE $2)'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.serviceCode) where.push(`service_code = $${params.push(f.serviceCode)}`);
    if (f.overdue !== undefined) where.push(`${f.overdue ? '' : 'NOT '}(status = 'open' AND deadline < $${params.push(now)})`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const [rows, count] = await Promise.all([
      this.sql.query<ServiceRequestRow>(`SELECT ${COLUMNS} FROM ${this.t('service_requests')} ${clause} ORDER BY taken_at DESC, no DESC LIMIT ${f.limit} OFFSET ${f.offset}`, params),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t('service_requests')} ${clause}`, params),
    ]);
    return { rows, total: count[0]!.n };
  }
}

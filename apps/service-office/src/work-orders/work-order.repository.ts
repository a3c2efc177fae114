import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ServiceSql } from '@gm/platform';
import type { WorkOrderAction, WorkOrderStatus } from '@gm/contracts';

type Db = Pick<pg.PoolClient, 'query'>;

export interface WorkOrderRow {
  readonly id: string;
  readonly no: string;
  readonly department: string;
  readonly status: WorkOrderStatus;
  readonly caseKey: string | null;
  readonly caseNo: string | null;
  readonly categoryCode: string | null;
  readonly gridCode: string;
  readonly orgUnit: string;
  readonly title: string;
  readonly needed: string;
  readonly address: string;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly whistledBy: string;
  readonly whistledAt: Date;
  readonly respondBy: Date;
  readonly arriveBy: Date;
  readonly deadline: Date;
  readonly acknowledgedAt: Date | null;
  readonly arrivedAt: Date | null;
  readonly closedAt: Date | null;
  readonly urgeCount: number;
  readonly urgedLimits: string[];
}

export type NewWorkOrder = Omit<WorkOrderRow, 'no' | 'status' | 'acknowledgedAt' | 'arrivedAt' | 'closedAt' | 'urgeCount' | 'urgedLimits'>;

export interface StepRow {
  readonly workOrderId: string;
  readonly action: WorkOrderAction;
  readonly at: Date;
  readonly actorSubject: string;
  readonly actorRole: string;
  readonly actorName: string | null;
  readonly note: string | null;
  readonly evidence: readonly string[];
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly distanceM: number | null;
  readonly overdue: string | null;
}

/** Which work orders a caller may see: a department's own, or those whistled within a unit's subtree. */
export type WorkOrderScope = { readonly department: string } | { readonly under: string } | { readonly all: true };

export interface WorkOrderFilter {
  readonly status?: WorkOrderStatus | undefined;
  readonly department?: string | undefined;
  readonly caseNo?: string | undefined;
  readonly overdue?: boolean | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface KpiRow {
  readonly department: string;
  readonly total: number;
  readonly open: number;
  readonly respondedOnTime: number;
  readonly respondDue: number;
  readonly arrivedOnTime: number;
  readonly arriveDue: number;
  readonly resolved: number;
  readonly resolveDue: number;
  readonly urged: number;
}

const COLUMNS = `id, no, department, status, case_key AS "caseKey", case_no AS "caseNo", category_code AS "categoryCode", grid_code AS "gridCode",
  org_unit AS "orgUnit", title, needed, address, latitude, longitude, whistled_by AS "whistledBy", whistled_at AS "whistledAt",
  respond_by AS "respondBy", arrive_by AS "arriveBy", deadline, acknowledged_at AS "acknowledgedAt", arrived_at AS "arrivedAt",
  closed_at AS "closedAt", urge_count AS "urgeCount", urged_limits AS "urgedLimits"`;
const STEP = `work_order_id AS "workOrderId", action, at, actor_subject AS "actorSubject", actor_role AS "actorRole", actor_name AS "actorName",
  note, evidence, latitude, longitude, distance_m AS "distanceM", overdue`;
const OPEN = `status IN ('whistled', 'acknowledged', 'arrived')`;
/** A time limit passed and not met, at `$now`. */
const OVERDUE = `(${OPEN} AND (deadline < $now OR (arrived_at IS NULL AND arrive_by < $now) OR (acknowledged_at IS NULL AND respond_by < $now)))`;

/** The only place that queries work orders and their steps (plain SQL, `$n`). */
@Injectable()
export class WorkOrderRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t(name: string): string {
    return this.sql.table(name);
  }

  transaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  async insert(db: Db, rows: readonly NewWorkOrder[]): Promise<WorkOrderRow[]> {
    const out: WorkOrderRow[] = [];
    for (const r of rows) {
      const res = await db.query<WorkOrderRow>(
        `INSERT INTO ${this.t('work_orders')} (id, no, department, status, case_key, case_no, category_code, grid_code, org_unit, title, needed, address,
           latitude, longitude, whistled_by, whistled_at, respond_by, arrive_by, deadline)
         VALUES ($1, 'GD' || to_char($14::timestamptz AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('"${this.sql.schema}".work_order_no')::text, 6, '0'),
           $2, 'whistled', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         RETURNING ${COLUMNS}`,
        [r.id, r.department, r.caseKey, r.caseNo, r.categoryCode, r.gridCode, r.orgUnit, r.title, r.needed, r.address, r.latitude, r.longitude, r.whistledBy, r.whistledAt, r.respondBy, r.arriveBy, r.deadline],
      );
      out.push(res.rows[0]!);
    }
    return out;
  }

  async lock(db: Db, id: string): Promise<WorkOrderRow | undefined> {
    return (await db.query<WorkOrderRow>(`SELECT ${COLUMNS} FROM ${this.t('work_orders')} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
  }

  async one(id: string, db: Db = this.sql.pool): Promise<WorkOrderRow | undefined> {
    return (await db.query<WorkOrderRow>(`SELECT ${COLUMNS} FROM ${this.t('work_orders')} WHERE id = $1`, [id])).rows[0];
  }

  /** A work order and its steps from one snapshot: an urge committed between the two reads cannot make them disagree. */
  withSteps(id: string): Promise<{ row: WorkOrderRow | undefined; steps: StepRow[] }> {
    return this.sql.snapshot(async (db) => ({ row: await this.one(id, db), steps: await this.steps(id, db) }));
  }

  /** Sets the columns a step changes. */
  async update(
    db: Db,
    id: string,
    set: Partial<{ status: WorkOrderStatus; acknowledgedAt: Date; arrivedAt: Date; closedAt: Date; urged: true; urgedLimit: string }>,
  ): Promise<WorkOrderRow> {
    const res = await db.query<WorkOrderRow>(
      `UPDATE ${this.t('work_orders')} SET
         status = coalesce($2, status),
         acknowledged_at = coalesce(acknowledged_at, $3),
         arrived_at = coalesce(arrived_at, $4),
         closed_at = coalesce(closed_at, $5),
         urge_count = urge_count + CASE WHEN $6 THEN 1 ELSE 0 END,
         urged_limits = CASE WHEN $7::text IS NULL THEN urged_limits ELSE array_append(urged_limits, $7::text) END
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, set.status ?? null, set.acknowledgedAt ?? null, set.arrivedAt ?? null, set.closedAt ?? null, set.urged === true, set.urgedLimit ?? null],
    );
    return res.rows[0]!;
  }

  async addStep(db: Db, s: StepRow): Promise<void> {
    await db.query(
      `INSERT INTO ${this.t('work_order_steps')} (work_order_id, action, at, actor_subject, actor_role, actor_name, note, evidence, latitude, longitude, distance_m, overdue)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [s.workOrderId, s.action, s.at, s.actorSubject, s.actorRole, s.actorName, s.note, [...s.evidence], s.latitude, s.longitude, s.distanceM, s.overdue],
    );
  }

  async steps(id: string, db: Db = this.sql.pool): Promise<StepRow[]> {
    return (await db.query<StepRow>(`SELECT ${STEP} FROM ${this.t('work_order_steps')} WHERE work_order_id = $1 ORDER BY id`, [id])).rows;
  }

  async page(scope: WorkOrderScope, f: WorkOrderFilter, now: Date): Promise<{ rows: WorkOrderRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if ('department' in scope) where.push(`department = ${p(scope.department)}`);
    else if ('under' in scope) where.push(`(org_unit = ${p(scope.under)} OR org_unit LIKE ${p(`${scope.under}%`)})`);
    if (f.status) where.push(`status = ${p(f.status)}`);
    if (f.department) where.push(`department = ${p(f.department)}`);
    if (f.caseNo) where.push(`case_no = ${p(f.caseNo)}`);
    if (f.overdue !== undefined) {
      const cond = OVERDUE.replaceAll('$now', p(now));
      where.push(f.overdue ? cond : `NOT ${cond}`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, count] = await Promise.all([
      this.sql.query<WorkOrderRow>(`SELECT ${COLUMNS} FROM ${this.t('work_orders')} ${clause} ORDER BY whistled_at DESC, no DESC LIMIT ${f.limit} OFFSET ${f.offset}`, params),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t('work_orders')} ${clause}`, params),
    ]);
    return { rows, total: count[0]!.n };
  }

  /**
   * Open work orders with a time limit passed that has not been urged for yet, locked for this
   * transaction (another instance skips them): the earliest limit missed and not urged yet.
   */
  async overdueToUrge(db: Db, now: Date, limit: number): Promise<{ row: WorkOrderRow; missed: 'respond' | 'arrive' | 'resolve' }[]> {
    const res = await db.query<WorkOrderRow & { missed: 'respond' | 'arrive' | 'resolve' }>(
      `SELECT ${COLUMNS}, CASE
          WHEN acknowledged_at IS NULL AND respond_by < $1 AND NOT 'respond' = ANY (urged_limits) THEN 'respond'
          WHEN arrived_at IS NULL AND arrive_by < $1 AND NOT 'arrive' = ANY (urged_limits) THEN 'arrive'
          ELSE 'resolve' END AS missed
       FROM ${this.t('work_orders')}
       WHERE ${OPEN} AND (
         (deadline < $1 AND NOT 'resolve' = ANY (urged_limits))
         OR (arrived_at IS NULL AND arrive_by < $1 AND NOT 'arrive' = ANY (urged_limits))
         OR (acknowledged_at IS NULL AND respond_by < $1 AND NOT 'respond' = ANY (urged_limits)))
       ORDER BY respond_by LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return res.rows.map(({ missed, ...row }) => ({ row, missed }));
  }

  /** Counts per department over the work orders whistled in [from, to), in a scope; limits are judged at `now`. */
  async kpis(scope: WorkOrderScope, from: Date, to: Date, now: Date): Promise<KpiRow[]> {
    const params: unknown[] = [from, to, now];
    let scoped = '';
    if ('department' in scope) {
      params.push(scope.department);
      scoped = 'AND department = $4';
    } else if ('under' in scope) {
      params.push(scope.under, `${scope.under}%`);
      scoped = 'AND (org_unit = $4 OR org_unit LIKE $5)';
    }
    return this.sql.query<KpiRow>(
      `SELECT department,
         count(*)::int AS total,
         count(*) FILTER (WHERE ${OPEN})::int AS open,
         count(*) FILTER (WHERE acknowledged_at IS NOT NULL AND acknowledged_at <= respond_by)::int AS "respondedOnTime",
         count(*) FILTER (WHERE status <> 'withdrawn' AND (acknowledged_at IS NOT NULL OR respond_by <= $3))::int AS "respondDue",
         count(*) FILTER (WHERE arrived_at IS NOT NULL AND arrived_at <= arrive_by)::int AS "arrivedOnTime",
         count(*) FILTER (WHERE status <> 'withdrawn' AND (arrived_at IS NOT NULL OR arrive_by <= $3))::int AS "arriveDue",
         count(*) FILTER (WHERE status = 'resolved')::int AS resolved,
         count(*) FILTER (WHERE status <> 'withdrawn' AND (status IN ('resolved', 'declined') OR deadline <= $3))::int AS "resolveDue",
         count(*) FILTER (WHERE urge_count > 0)::int AS urged
       FROM ${this.t('work_orders')}
       WHERE whistled_at >= $1 AND whistled_at < $2 ${scoped}
       GROUP BY department ORDER BY department`,
      params,
    );
  }
}

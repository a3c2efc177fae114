import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ServiceSql } from '@gm/platform';
import type { DepartmentCommandBody } from '@gm/contracts';

type Db = Pick<pg.PoolClient, 'query'>;

export interface CommandRow {
  readonly id: string;
  readonly department: string;
  readonly targetKind: 'case' | 'work-order';
  readonly targetTier: string;
  readonly targetId: string;
  readonly targetNo: string | null;
  readonly action: string;
  readonly body: DepartmentCommandBody;
  readonly issuedBy: string;
  readonly issuedAt: Date;
  readonly status: 'pending' | 'applied' | 'refused';
  readonly reason: string | null;
  readonly settledAt: Date | null;
}

const COLUMNS = `id, department, target_kind AS "targetKind", target_tier AS "targetTier", target_id AS "targetId", target_no AS "targetNo", action, body,
  issued_by AS "issuedBy", issued_at AS "issuedAt", status, reason, settled_at AS "settledAt"`;

/** The only place that queries departments' commands (plain SQL, `$n`). */
@Injectable()
export class DepartmentCommandRepository {
  constructor(private readonly sql: ServiceSql) {}

  private t(name: string): string {
    return this.sql.table(name);
  }

  transaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  async insert(c: Omit<CommandRow, 'status' | 'reason' | 'settledAt'>): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.t('department_commands')} (id, department, target_kind, target_tier, target_id, target_no, action, body, issued_by, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [c.id, c.department, c.targetKind, c.targetTier, c.targetId, c.targetNo, c.action, JSON.stringify(c.body), c.issuedBy, c.issuedAt],
    );
  }

  /** Records the outcome of a command issued here (once: a repeat changes nothing). */
  async settle(id: string, outcome: 'applied' | 'refused', reason: string | null, at: Date): Promise<boolean> {
    return (
      (await this.sql.query(`UPDATE ${this.t('department_commands')} SET status = $2, reason = $3, settled_at = $4 WHERE id = $1 AND status = 'pending' RETURNING id`, [id, outcome, reason, at]))
        .length > 0
    );
  }

  async one(id: string): Promise<CommandRow | undefined> {
    return (await this.sql.query<CommandRow>(`SELECT ${COLUMNS} FROM ${this.t('department_commands')} WHERE id = $1`, [id]))[0];
  }

  async page(department: string | undefined, f: { status?: string | undefined; limit: number; offset: number }): Promise<{ rows: CommandRow[]; total: number }> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (department !== undefined) where.push(`department = $${params.push(department)}`);
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, count] = await Promise.all([
      this.sql.query<CommandRow>(`SELECT ${COLUMNS} FROM ${this.t('department_commands')} ${clause} ORDER BY issued_at DESC, id LIMIT ${f.limit} OFFSET ${f.offset}`, params),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t('department_commands')} ${clause}`, params),
    ]);
    return { rows, total: count[0]!.n };
  }

  /** The outcome a command had here already, if it was applied here before (a redelivered command is not applied twice). */
  async appliedBefore(id: string): Promise<{ outcome: 'applied' | 'refused'; reason: string | null } | undefined> {
    return (await this.sql.query<{ outcome: 'applied' | 'refused'; reason: string | null }>(`SELECT outcome, reason FROM ${this.t('applied_commands')} WHERE command_id = $1`, [id]))[0];
  }

  async markApplied(db: Db, id: string, outcome: 'applied' | 'refused', reason: string | null): Promise<boolean> {
    const res = await db.query(`INSERT INTO ${this.t('applied_commands')} (command_id, outcome, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [id, outcome, reason]);
    return (res.rowCount ?? 0) > 0;
  }
}

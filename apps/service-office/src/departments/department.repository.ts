import { Injectable } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';
import type { DepartmentView } from '@gm/contracts';

export interface DepartmentRow {
  readonly code: string;
  readonly areas: string[];
  readonly dutyPhone: string | null;
  readonly contacts: DepartmentView['contacts'];
  readonly updatedBy: string;
  readonly updatedAt: Date;
}

const COLUMNS = `code, areas, duty_phone AS "dutyPhone", contacts, updated_by AS "updatedBy", updated_at AS "updatedAt"`;

/** The only place that queries service-office's departments. */
@Injectable()
export class DepartmentRepository {
  constructor(private readonly sql: ServiceSql) {}

  async all(): Promise<Map<string, DepartmentRow>> {
    const rows = await this.sql.query<DepartmentRow>(`SELECT ${COLUMNS} FROM ${this.sql.table('departments')}`);
    return new Map(rows.map((r) => [r.code, r]));
  }

  async one(code: string): Promise<DepartmentRow | undefined> {
    return (await this.sql.query<DepartmentRow>(`SELECT ${COLUMNS} FROM ${this.sql.table('departments')} WHERE code = $1`, [code]))[0];
  }

  async save(code: string, d: { areas: readonly string[]; dutyPhone: string | null; contacts: DepartmentView['contacts'] }, by: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.sql.table('departments')} (code, areas, duty_phone, contacts, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (code) DO UPDATE SET areas = excluded.areas, duty_phone = excluded.duty_phone, contacts = excluded.contacts, updated_by = excluded.updated_by, updated_at = now()`,
      [code, d.areas, d.dutyPhone, JSON.stringify(d.contacts), by],
    );
  }
}

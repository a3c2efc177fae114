import { Injectable } from '@nestjs/common';
import type { OrgUnit, StaffMember } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';

const UNIT_COLUMNS = `code, name, level, parent_code AS "parentCode"`;

/** The only place that reads the org tree and the staff (plain pool, `$n`); the CSV imports write them (org-csv.kinds.ts). */
@Injectable()
export class OrgTreeRepository extends SqlRepository {
  /** Units at and under `under` (all when absent), of one `level` when given, by code. */
  units(filter: { under?: string | undefined; level?: string | undefined }): Promise<OrgUnit[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.under) {
      params.push(filter.under, `${filter.under}%`);
      where.push(`(code = $1 OR code LIKE $2)`);
    }
    if (filter.level) {
      params.push(filter.level);
      where.push(`level = $${params.length}`);
    }
    return this.sql.query<OrgUnit>(`SELECT ${UNIT_COLUMNS} FROM ${this.sql.table('org_units')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY code`, params);
  }

  /** The units of `codes` that exist, from the top down. */
  path(codes: readonly string[]): Promise<OrgUnit[]> {
    return this.sql.query<OrgUnit>(`SELECT ${UNIT_COLUMNS} FROM ${this.sql.table('org_units')} WHERE code = ANY($1::text[]) ORDER BY length(code)`, [codes]);
  }

  children(code: string): Promise<OrgUnit[]> {
    return this.sql.query<OrgUnit>(`SELECT ${UNIT_COLUMNS} FROM ${this.sql.table('org_units')} WHERE parent_code = $1 ORDER BY code`, [code]);
  }

  staffOf(code: string): Promise<StaffMember[]> {
    return this.sql.query<StaffMember>(
      `SELECT username, display_name AS "displayName", post, employment, ab_partner AS "abPartner" FROM ${this.sql.table('staff')} WHERE unit_code = $1 ORDER BY post, username`,
      [code],
    );
  }

  /** One staff member's unit, post and A/B partner (no name), or undefined. */
  async member(username: string): Promise<{ username: string; unitCode: string; post: StaffMember['post']; abPartner: string | null } | undefined> {
    const [row] = await this.sql.query<{ username: string; unitCode: string; post: StaffMember['post']; abPartner: string | null }>(
      `SELECT username, unit_code AS "unitCode", post, ab_partner AS "abPartner" FROM ${this.sql.table('staff')} WHERE username = $1`,
      [username],
    );
    return row;
  }
}

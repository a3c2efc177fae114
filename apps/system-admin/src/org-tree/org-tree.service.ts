import { Injectable, Optional } from '@nestjs/common';
import { DomainError, Events, type CsvImportResult, type OrgUnit, type OrgUnitDetail, type StaffMember } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { importCsv, ServiceSql, type CsvImportOptions } from '@gm/platform';
import { JsonLogger, ServiceMetrics } from '@gm/telemetry';
import { orgUnitsKind, staffKind } from './org-csv.kinds';

/** The org tree (district → street → community → grid) and who works in each unit. */
@Injectable()
export class OrgTreeService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Optional() private readonly metrics?: ServiceMetrics,
  ) {}

  importOrgUnits(input: AsyncIterable<Buffer | string>, opts: CsvImportOptions = {}): Promise<CsvImportResult> {
    return this.run('org-units', input, opts);
  }

  importStaff(input: AsyncIterable<Buffer | string>, opts: CsvImportOptions = {}): Promise<CsvImportResult> {
    return this.run('staff', input, opts);
  }

  private async run(file: 'org-units' | 'staff', input: AsyncIterable<Buffer | string>, opts: CsvImportOptions): Promise<CsvImportResult> {
    const base = file === 'org-units' ? orgUnitsKind(this.sql.schema) : staffKind(this.sql.schema);
    const result = await importCsv(
      this.sql,
      {
        ...base,
        after: async (client, _ctx, r) => {
          await this.outbox.addWith(client, this.sql.schema, Events.orgImported, { importId: r.importId, file, inserted: r.inserted, updated: r.updated });
        },
      },
      input,
      this.metrics ? { ...opts, metrics: this.metrics } : opts,
    );
    this.logger.event('info', 'org.imported', { file, rows: result.rows, inserted: result.inserted, updated: result.updated, rejected: result.rejected, ms: result.durationMs }, 'OrgTreeService');
    return result;
  }

  async units(filter: { under?: string | undefined; level?: string | undefined }): Promise<OrgUnit[]> {
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
    return this.sql.query<OrgUnit>(
      `SELECT code, name, level, parent_code AS "parentCode" FROM ${this.sql.table('org_units')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY code`,
      params,
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

  async unit(code: string): Promise<OrgUnitDetail> {
    const unit = OrgUnitCode.parse(code);
    const path = await this.sql.query<OrgUnit>(
      `SELECT code, name, level, parent_code AS "parentCode" FROM ${this.sql.table('org_units')} WHERE code = ANY($1::text[]) ORDER BY length(code)`,
      [unit.path.map((u) => u.value)],
    );
    const self = path.find((u) => u.code === unit.value);
    if (!self) throw new DomainError('UNIT.NOT_FOUND', `no org unit ${unit.value}`);
    const children = await this.sql.query<OrgUnit>(
      `SELECT code, name, level, parent_code AS "parentCode" FROM ${this.sql.table('org_units')} WHERE parent_code = $1 ORDER BY code`,
      [unit.value],
    );
    const staff = await this.sql.query<StaffMember>(
      `SELECT username, display_name AS "displayName", post, employment, ab_partner AS "abPartner" FROM ${this.sql.table('staff')} WHERE unit_code = $1 ORDER BY post, username`,
      [unit.value],
    );
    return { ...self, path, children, staff };
  }
}

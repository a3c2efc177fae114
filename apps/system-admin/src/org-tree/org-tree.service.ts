import { Injectable, Optional } from '@nestjs/common';
import { DomainError, Events, type CsvImportResult, type OrgUnit, type OrgUnitDetail, type StaffMember } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { importCsv, ServiceSql, type CsvImportOptions } from '@gm/platform';
import { JsonLogger, ServiceMetrics } from '@gm/telemetry';
import { orgUnitsKind, staffKind } from './org-csv.kinds';
import { OrgTreeRepository } from './org-tree.repository';

/** The org tree (district → street → community → grid) and who works in each unit. */
@Injectable()
export class OrgTreeService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly tree: OrgTreeRepository,
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

  units(filter: { under?: string | undefined; level?: string | undefined }): Promise<OrgUnit[]> {
    return this.tree.units(filter);
  }

  /** One staff member's unit, post and A/B partner (no name), or undefined. */
  member(username: string): Promise<{ username: string; unitCode: string; post: StaffMember['post']; abPartner: string | null } | undefined> {
    return this.tree.member(username);
  }

  async unit(code: string): Promise<OrgUnitDetail> {
    const unit = OrgUnitCode.parse(code);
    const path = await this.tree.path(unit.path.map((u) => u.value));
    const self = path.find((u) => u.code === unit.value);
    if (!self) throw new DomainError('UNIT.NOT_FOUND', `no org unit ${unit.value}`);
    const [children, staff] = await Promise.all([this.tree.children(unit.value), this.tree.staffOf(unit.value)]);
    return { ...self, path, children, staff };
  }
}

import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { BaseDataMigration } from './0001-base-data.migration';
import { ResidentStatusMigration } from './0002-resident-status.migration';
import { RecordVersionsMigration } from './0003-record-versions.migration';
import { AuditRecordsTravelMigration } from './0004-audit-records-travel.migration';
import { ChangeProposalsMigration } from './0005-change-proposals.migration';
import { ChangeProposalVersionsMigration } from './0006-change-proposal-versions.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [
  PLATFORM_MIGRATION,
  { name: '0001-base-data', class: BaseDataMigration },
  OUTBOX_ORDER_MIGRATION,
  { name: '0002-resident-status', class: ResidentStatusMigration },
  { name: '0003-record-versions', class: RecordVersionsMigration },
  { name: '0004-audit-records-travel', class: AuditRecordsTravelMigration },
  { name: '0005-change-proposals', class: ChangeProposalsMigration },
  { name: '0006-change-proposal-versions', class: ChangeProposalVersionsMigration },
];

import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { OrgTreeMigration } from './0001-org-tree.migration';
import { ParametersMigration } from './0002-parameters.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [
  PLATFORM_MIGRATION,
  { name: '0001-org-tree', class: OrgTreeMigration },
  { name: '0002-parameters', class: ParametersMigration },
  OUTBOX_ORDER_MIGRATION,
];

import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { InitialMigration } from './0001-initial.migration';
import { WorkflowMigration } from './0002-workflow.migration';
import { Open311Migration } from './0003-open311.migration';
import { FederationMigration } from './0004-federation.migration';
import { AssignBackMigration } from './0005-assign-back.migration';
import { MergedCountMigration } from './0006-merged-count.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [
  PLATFORM_MIGRATION,
  { name: '0001-initial', class: InitialMigration },
  { name: '0002-workflow', class: WorkflowMigration },
  { name: '0003-open311', class: Open311Migration },
  { name: '0004-federation', class: FederationMigration },
  { name: '0005-assign-back', class: AssignBackMigration },
  OUTBOX_ORDER_MIGRATION,
  { name: '0006-merged-count', class: MergedCountMigration },
];

import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { InitialMigration } from './0001-initial.migration';
import { ReadModelsMigration } from './0002-read-models.migration';
import { KpiSourcesMigration } from './0003-kpi-sources.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [
  PLATFORM_MIGRATION,
  { name: '0001-initial', class: InitialMigration },
  OUTBOX_ORDER_MIGRATION,
  { name: '0002-read-models', class: ReadModelsMigration },
  { name: '0003-kpi-sources', class: KpiSourcesMigration },
];

import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { BoundariesMigration } from './0001-boundaries.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [PLATFORM_MIGRATION, { name: '0001-boundaries', class: BoundariesMigration }, OUTBOX_ORDER_MIGRATION];

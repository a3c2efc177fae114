import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [PLATFORM_MIGRATION, OUTBOX_ORDER_MIGRATION];

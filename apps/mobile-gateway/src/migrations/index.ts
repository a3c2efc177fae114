import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { InitialMigration } from './0001-initial.migration';
import { AttachmentsMigration } from './0002-attachments.migration';
import { SyncItemsMigration } from './0003-sync-items.migration';
import { PatrolsMigration } from './0004-patrols.migration';
import { VisitsDiariesMigration } from './0005-visits-diaries.migration';
import { HandoversMigration } from './0006-handovers.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [
  PLATFORM_MIGRATION,
  { name: '0001-initial', class: InitialMigration },
  { name: '0002-attachments', class: AttachmentsMigration },
  OUTBOX_ORDER_MIGRATION,
  { name: '0003-sync-items', class: SyncItemsMigration },
  { name: '0004-patrols', class: PatrolsMigration },
  { name: '0005-visits-diaries', class: VisitsDiariesMigration },
  { name: '0006-handovers', class: HandoversMigration },
];

import { OUTBOX_ORDER_MIGRATION, PLATFORM_MIGRATION } from '@gm/messaging';
import type { MigrationEntry } from '@gm/persistence';
import { DepartmentsMigration } from './0001-departments.migration';
import { SubscriptionsMigration } from './0002-subscriptions.migration';
import { WorkOrdersMigration } from './0003-work-orders.migration';
import { ServiceRequestsMigration } from './0004-service-requests.migration';
import { NoticesMigration } from './0005-notices.migration';
import { InboxMigration } from './0006-inbox.migration';
import { DepartmentCommandsMigration } from './0007-department-commands.migration';

/** Applied in this order; names are recorded in the migrations table and never change. */
export const migrations: readonly MigrationEntry[] = [PLATFORM_MIGRATION, OUTBOX_ORDER_MIGRATION, { name: '0001-departments', class: DepartmentsMigration },
  { name: '0002-subscriptions', class: SubscriptionsMigration },
  { name: '0003-work-orders', class: WorkOrdersMigration },
  { name: '0004-service-requests', class: ServiceRequestsMigration },
  { name: '0005-notices', class: NoticesMigration },
  { name: '0006-inbox', class: InboxMigration },
  { name: '0007-department-commands', class: DepartmentCommandsMigration },
];

import { CREATE_POSTGIS_SQL, Migration, type MigrationEntry } from '@gm/persistence';
import { OUTBOX_INBOX_DDL } from './outbox-message.entity';

/** First migration of every service: PostGIS, and the outbox and inbox tables in the service's schema. */
export class PlatformMigration extends Migration {
  override up(): void {
    this.addSql(CREATE_POSTGIS_SQL);
    for (const sql of OUTBOX_INBOX_DDL) this.addSql(sql);
  }
}

export const PLATFORM_MIGRATION: MigrationEntry = { name: '0000-platform', class: PlatformMigration };

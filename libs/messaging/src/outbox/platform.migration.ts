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

/**
 * The outbox in insertion order: a sequence number given as each row is inserted. Rows of one
 * transaction share a `created_at` to the millisecond, and ordering them by their random ids could
 * publish a case's second event before its first (a report closed on the spot: reported, then
 * self-handled). Rows of one case are inserted under that case's row lock, so the sequence also
 * keeps a case's events in order across transactions.
 */
export class OutboxOrderMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE outbox ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`);
    this.addSql(`DROP INDEX IF EXISTS outbox_unsent_idx`);
    this.addSql(`CREATE INDEX outbox_unsent_seq_idx ON outbox (seq) WHERE sent_at IS NULL`);
  }
}

/** Appended to every service's list (after its own migrations: it came later). */
export const OUTBOX_ORDER_MIGRATION: MigrationEntry = { name: '0100-platform-outbox-order', class: OutboxOrderMigration };

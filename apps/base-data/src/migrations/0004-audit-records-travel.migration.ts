import { Migration } from '@gm/persistence';

/**
 * Clear reads are recorded where they happen and copied up to the district's auditors (ADR 0012):
 * each record names the grid of the resident read (which tier keeps it) and the tier where the
 * read happened, and carries a version like every record that travels.
 */
export class AuditRecordsTravelMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE pii_reads ADD COLUMN grid_code text NULL`);
    this.addSql(`ALTER TABLE pii_reads ADD COLUMN read_at_tier text NULL`);
    this.addSql(`ALTER TABLE pii_reads ADD COLUMN version integer NOT NULL DEFAULT 1`);
    this.addSql(`CREATE INDEX pii_reads_at_idx ON pii_reads (at DESC)`);
  }
}

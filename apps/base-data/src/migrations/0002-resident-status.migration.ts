import { Migration } from '@gm/persistence';

/**
 * A resident stays on record after leaving the area or dying (with the date), so that history and
 * statistics keep them; lists and summaries count the active ones.
 */
export class ResidentStatusMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE residents ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left', 'deceased'))`);
    this.addSql(`ALTER TABLE residents ADD COLUMN status_since date NULL`);
  }
}

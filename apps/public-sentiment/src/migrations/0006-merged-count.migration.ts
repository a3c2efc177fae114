import { Migration } from '@gm/persistence';

/**
 * How many duplicates were merged into each case, so that a step on a case without any does not
 * look for their reporters (a statement saved on every step).
 */
export class MergedCountMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE cases ADD COLUMN merged_count integer NOT NULL DEFAULT 0`);
    this.addSql(`UPDATE cases p SET merged_count = d.n FROM (SELECT primary_case_id AS id, count(*)::int AS n FROM cases WHERE primary_case_id IS NOT NULL GROUP BY 1) d WHERE p.id = d.id`);
  }
}

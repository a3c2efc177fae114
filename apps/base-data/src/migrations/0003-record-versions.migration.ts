import { Migration } from '@gm/persistence';

/**
 * Every record carries its version (1, 2, …), raised by each write: what a copy at another tier
 * compares to keep the newest (ADR 0012). Residents have one since 0001.
 */
export class RecordVersionsMigration extends Migration {
  override up(): void {
    for (const table of ['buildings', 'houses', 'households', 'organisations', 'city_objects']) {
      this.addSql(`ALTER TABLE ${table} ADD COLUMN version integer NOT NULL DEFAULT 1`);
    }
    this.addSql(`CREATE INDEX city_objects_grid_class_idx ON city_objects (grid_code, class_code)`);
  }
}

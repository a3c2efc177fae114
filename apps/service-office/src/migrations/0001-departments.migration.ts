import { Migration } from '@gm/persistence';

/** What service-office keeps about each department of the category catalogue: its areas, duty line and contacts. */
export class DepartmentsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE departments (
      code text PRIMARY KEY,
      areas text[] NOT NULL,
      duty_phone text NULL,
      contacts jsonb NOT NULL DEFAULT '[]',
      updated_by text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
}

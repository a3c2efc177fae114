import { Migration } from '@gm/persistence';

/** The child tiers whose KPI increments this tier has heard (a parent's figures cover its subtree). */
export class KpiSourcesMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE kpi_sources (
      tier text PRIMARY KEY,
      first_at timestamptz NOT NULL,
      last_at timestamptz NOT NULL
    )`);
  }
}

import { Migration } from '@gm/persistence';

/** Visits (走访) and the workers' daily logs (民情日记). */
export class VisitsDiariesMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE visits (
      id uuid PRIMARY KEY,
      worker_subject text NOT NULL,
      worker_username text NOT NULL,
      grid_code text NOT NULL,
      at timestamptz NOT NULL,
      household_code text NULL,
      resident_id uuid NULL,
      notes text NOT NULL,
      tags text[] NOT NULL DEFAULT '{}',
      case_client_id text NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX visits_worker_idx ON visits (worker_subject, at DESC)`);
    this.addSql(`CREATE INDEX visits_grid_idx ON visits (grid_code, at DESC)`);
    this.addSql(`CREATE TABLE diaries (
      worker_subject text NOT NULL,
      day date NOT NULL,
      worker_username text NOT NULL,
      grid_code text NOT NULL,
      text text NOT NULL,
      facts jsonb NOT NULL,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
      submitted_at timestamptz NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (worker_subject, day)
    )`);
    this.addSql(`CREATE INDEX diaries_grid_idx ON diaries (grid_code, day DESC)`);
  }
}

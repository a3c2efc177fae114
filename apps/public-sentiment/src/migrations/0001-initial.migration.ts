import { Migration } from '@gm/persistence';

export class InitialMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE SEQUENCE case_no_seq`);
    this.addSql(`CREATE TABLE cases (
      id uuid PRIMARY KEY,
      case_no text NOT NULL UNIQUE,
      state text NOT NULL,
      category_code text NOT NULL,
      urgency text NOT NULL,
      grid_code text NOT NULL,
      location public.geometry(Point, 4326) NOT NULL,
      location_accuracy_m real NULL,
      address text NULL,
      description text NOT NULL,
      occurred_at timestamptz NULL,
      reported_at timestamptz NOT NULL,
      channel text NOT NULL,
      reporter_subject text NOT NULL,
      reporter_role text NOT NULL,
      reporter_unit text NOT NULL,
      idempotency_key text NOT NULL,
      request_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CONSTRAINT cases_reporter_idempotency_key UNIQUE (reporter_subject, idempotency_key)
    )`);
    this.addSql(`CREATE INDEX cases_location_gist ON cases USING gist (location)`);
    this.addSql(`CREATE INDEX cases_grid_state_idx ON cases (grid_code, state)`);
    this.addSql(`CREATE INDEX cases_reported_at_idx ON cases (reported_at)`);
  }
}

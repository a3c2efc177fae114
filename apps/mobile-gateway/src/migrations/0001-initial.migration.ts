import { Migration } from '@gm/persistence';

export class InitialMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE pending_reports (
      id uuid PRIMARY KEY,
      reporter_subject text NOT NULL,
      idempotency_key text NOT NULL,
      status text NOT NULL CHECK (status IN ('queued', 'forwarded', 'rejected')),
      body jsonb NULL,
      authorization_header text NULL,
      accepted_at timestamptz NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error jsonb NULL,
      result jsonb NULL,
      forwarded_at timestamptz NULL,
      CONSTRAINT pending_reports_reporter_key UNIQUE (reporter_subject, idempotency_key)
    )`);
    this.addSql(`CREATE INDEX pending_reports_queued_idx ON pending_reports (accepted_at) WHERE status = 'queued'`);
  }
}

import { Migration } from '@gm/persistence';

/**
 * A/B posts (AB岗): the workers this gateway has seen (account subject, name, grid: how a hand-over
 * recorded by account name finds the worker's cases, which name the subject) and the hand-overs.
 */
export class HandoversMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE workers (
      subject text PRIMARY KEY,
      username text NOT NULL,
      grid_code text NOT NULL,
      last_seen_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX workers_username_idx ON workers (username)`);
    this.addSql(`CREATE TABLE handovers (
      id uuid PRIMARY KEY,
      worker_username text NOT NULL,
      grid_code text NOT NULL,
      covered_by text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('off-duty', 'leave')),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NULL,
      ended_at timestamptz NULL,
      note text NULL,
      recorded_by text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at IS NULL OR ends_at > starts_at)
    )`);
    this.addSql(`CREATE INDEX handovers_covered_by_idx ON handovers (covered_by, starts_at)`);
    this.addSql(`CREATE INDEX handovers_worker_idx ON handovers (worker_username, starts_at)`);
    this.addSql(`CREATE INDEX handovers_grid_idx ON handovers (grid_code, starts_at DESC)`);
  }
}

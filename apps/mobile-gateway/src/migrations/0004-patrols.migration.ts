import { Migration } from '@gm/persistence';

/** Patrols (巡查) and their tracks, as the handheld recorded them (ids made on the device). */
export class PatrolsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE patrols (
      id uuid PRIMARY KEY,
      worker_subject text NOT NULL,
      worker_username text NOT NULL,
      grid_code text NOT NULL,
      started_at timestamptz NOT NULL,
      ended_at timestamptz NULL,
      filtered integer NOT NULL DEFAULT 0,
      distance_m double precision NOT NULL DEFAULT 0,
      coverage double precision NULL,
      coverage_within_m double precision NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX patrols_worker_idx ON patrols (worker_subject, started_at DESC)`);
    this.addSql(`CREATE INDEX patrols_grid_idx ON patrols (grid_code, started_at DESC)`);
    this.addSql(`CREATE TABLE patrol_points (
      patrol_id uuid NOT NULL REFERENCES patrols (id),
      at timestamptz NOT NULL,
      longitude double precision NOT NULL,
      latitude double precision NOT NULL,
      accuracy double precision NOT NULL,
      PRIMARY KEY (patrol_id, at)
    )`);
  }
}

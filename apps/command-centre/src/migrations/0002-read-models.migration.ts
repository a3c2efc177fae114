import { Migration } from '@gm/persistence';

/**
 * The hub's read models, fed only by events: the tier's cases (map, queues' counts, dispatch),
 * workers' positions and tracks, and the daily counters of the assessment.
 */
export class ReadModelsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE cases (
      case_id uuid PRIMARY KEY,
      case_no text NOT NULL,
      state text NOT NULL,
      category_code text NOT NULL,
      urgency text NOT NULL,
      grid_code text NOT NULL,
      location public.geometry(Point, 4326) NULL,
      summary text NULL,
      reported_at timestamptz NULL,
      reporter_subject text NULL,
      received_from text NULL,
      step text NULL,
      deadline_at timestamptz NULL,
      yellow_at timestamptz NULL,
      step_overdue boolean NOT NULL DEFAULT false,
      overdue_steps integer NOT NULL DEFAULT 0,
      assignee_kind text NULL,
      assignee_code text NULL,
      owner_subject text NULL,
      handler_subject text NULL,
      acting_tier text NULL,
      rework_count integer NOT NULL DEFAULT 0,
      urge_count integer NOT NULL DEFAULT 0,
      closed_at timestamptz NULL,
      rating integer NULL,
      last_event_at timestamptz NOT NULL
    )`);
    this.addSql(`CREATE INDEX cases_location_idx ON cases USING gist (location)`);
    this.addSql(`CREATE INDEX cases_grid_idx ON cases (grid_code text_pattern_ops)`);
    this.addSql(`CREATE INDEX cases_reported_idx ON cases (reported_at)`);

    this.addSql(`CREATE TABLE workers (
      subject text PRIMARY KEY,
      username text NOT NULL,
      role text NOT NULL,
      unit_code text NOT NULL,
      location public.geometry(Point, 4326) NOT NULL,
      accuracy_m real NOT NULL,
      position_at timestamptz NOT NULL
    )`);
    this.addSql(`CREATE INDEX workers_location_idx ON workers USING gist (location)`);
    this.addSql(`CREATE INDEX workers_unit_idx ON workers (unit_code text_pattern_ops)`);
    this.addSql(`CREATE TABLE worker_track_points (
      subject text NOT NULL,
      at timestamptz NOT NULL,
      location public.geometry(Point, 4326) NOT NULL,
      accuracy_m real NOT NULL,
      PRIMARY KEY (subject, at)
    )`);

    const counters = [
      'reported',
      'registered',
      'closed',
      'closed_on_time',
      'dispatched',
      'dispatched_on_time',
      'reworked',
      'overdue',
      'urged',
      'rating_sum',
      'rating_count',
      'handling_minutes_sum',
      'handling_count',
      'patrols',
      'visits',
      'data_updates',
    ]
      .map((c) => `${c} bigint NOT NULL DEFAULT 0`)
      .join(',\n      ');
    // kind 'unit': subject = the grid; 'person': a pseudonymous subject; 'department': its code.
    // unit_code is always the grid the figures are about, so that every kind is scoped by prefix.
    this.addSql(`CREATE TABLE kpi_daily (
      day date NOT NULL,
      kind text NOT NULL CHECK (kind IN ('unit', 'person', 'department')),
      subject text NOT NULL,
      unit_code text NOT NULL,
      ${counters},
      PRIMARY KEY (kind, day, unit_code, subject)
    )`);
  }
}

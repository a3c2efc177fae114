import { Migration } from '@gm/persistence';

/** The case workflow: triage, owner, assignee, step clock, rework, rating, merging; the timeline of transitions. */
export class WorkflowMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE cases
      ADD COLUMN triage text NOT NULL DEFAULT 'coordination',
      ADD COLUMN owner_subject text NULL,
      ADD COLUMN assignee_kind text NULL,
      ADD COLUMN assignee_code text NULL,
      ADD COLUMN held_from text NULL,
      ADD COLUMN closed_at timestamptz NULL,
      ADD COLUMN rework_count integer NOT NULL DEFAULT 0,
      ADD COLUMN urge_count integer NOT NULL DEFAULT 0,
      ADD COLUMN rating smallint NULL,
      ADD COLUMN rating_comment text NULL,
      ADD COLUMN pending_extension_minutes integer NULL,
      ADD COLUMN primary_case_id uuid NULL REFERENCES cases (id),
      ADD COLUMN step text NULL,
      ADD COLUMN step_seq integer NOT NULL DEFAULT 1,
      ADD COLUMN step_clock text NULL,
      ADD COLUMN step_started_at timestamptz NULL,
      ADD COLUMN step_limit_minutes real NULL,
      ADD COLUMN step_paused_minutes real NOT NULL DEFAULT 0,
      ADD COLUMN held_at timestamptz NULL,
      ADD COLUMN escalate_after_minutes real NULL,
      ADD COLUMN yellow_at timestamptz NULL,
      ADD COLUMN deadline_at timestamptz NULL,
      ADD COLUMN escalate_at timestamptz NULL,
      ADD COLUMN overdue_step_seq integer NOT NULL DEFAULT 0,
      ADD COLUMN escalation_due boolean NOT NULL DEFAULT false`);
    // The scheduler's two scans: only rows that may fire are indexed.
    this.addSql(`CREATE INDEX cases_overdue_scan_idx ON cases (deadline_at) WHERE deadline_at IS NOT NULL AND overdue_step_seq < step_seq`);
    this.addSql(`CREATE INDEX cases_escalation_scan_idx ON cases (escalate_at) WHERE escalate_at IS NOT NULL AND NOT escalation_due`);
    this.addSql(`CREATE INDEX cases_category_reported_idx ON cases (category_code, reported_at)`);
    this.addSql(`CREATE INDEX cases_primary_idx ON cases (primary_case_id) WHERE primary_case_id IS NOT NULL`);
    this.addSql(`CREATE TABLE case_transitions (
      id bigserial PRIMARY KEY,
      -- Deferred: the unit of work may insert a new case's first entry before the case row.
      case_id uuid NOT NULL REFERENCES cases (id) DEFERRABLE INITIALLY DEFERRED,
      action text NOT NULL,
      from_state text NULL,
      to_state text NOT NULL,
      actor_subject text NOT NULL,
      actor_role text NOT NULL,
      actor_unit text NOT NULL,
      at timestamptz NOT NULL,
      location public.geometry(Point, 4326) NULL,
      note text NULL,
      attachments jsonb NOT NULL DEFAULT '[]',
      details jsonb NOT NULL DEFAULT '{}'
    )`);
    this.addSql(`CREATE INDEX case_transitions_case_idx ON case_transitions (case_id, id)`);
  }
}

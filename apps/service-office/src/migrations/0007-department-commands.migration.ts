import { Migration } from '@gm/persistence';

/**
 * Departments' commands to other tiers (ADR 0015): those issued here, with their outcome when it has
 * come back up, and those applied here for a department elsewhere (once each).
 */
export class DepartmentCommandsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE department_commands (
      id uuid PRIMARY KEY,
      department text NOT NULL,
      target_kind text NOT NULL,
      target_tier text NOT NULL,
      target_id uuid NOT NULL,
      target_no text NULL,
      action text NOT NULL,
      body jsonb NOT NULL,
      issued_by text NOT NULL,
      issued_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      reason text NULL,
      settled_at timestamptz NULL
    )`);
    this.addSql('CREATE INDEX case_event_log_case_key ON case_event_log (case_key, seq)');
    this.addSql('CREATE INDEX department_commands_department ON department_commands (department, issued_at DESC)');
    this.addSql(`CREATE TABLE applied_commands (
      command_id uuid PRIMARY KEY,
      outcome text NOT NULL,
      reason text NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
}

import { Migration } from '@gm/persistence';

/** Run-time parameters of the tier (e.g. the case rules), versioned, with their history. */
export class ParametersMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE parameters (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      version integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by text NOT NULL
    )`);
    this.addSql(`CREATE TABLE parameter_history (
      id bigserial PRIMARY KEY,
      key text NOT NULL,
      version integer NOT NULL,
      value jsonb NOT NULL,
      changed_at timestamptz NOT NULL DEFAULT now(),
      changed_by text NOT NULL,
      changed_role text NOT NULL,
      UNIQUE (key, version)
    )`);
  }
}

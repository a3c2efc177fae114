import { Migration } from '@gm/persistence';

export class OrgTreeMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE org_units (
      code text PRIMARY KEY,
      name text NOT NULL,
      level text NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
      parent_code text NULL REFERENCES org_units (code) DEFERRABLE INITIALLY DEFERRED,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX org_units_parent_idx ON org_units (parent_code)`);
    this.addSql(`CREATE INDEX org_units_code_prefix_idx ON org_units (code text_pattern_ops)`);
    this.addSql(`CREATE TABLE staff (
      username text PRIMARY KEY,
      unit_code text NOT NULL REFERENCES org_units (code) DEFERRABLE INITIALLY DEFERRED,
      display_name text NOT NULL,
      post text NOT NULL,
      employment text NOT NULL CHECK (employment IN ('full-time', 'part-time')),
      ab_partner text NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX staff_unit_idx ON staff (unit_code)`);
  }
}

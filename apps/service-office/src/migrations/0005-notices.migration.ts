import { Migration } from '@gm/persistence';

/** Notices (通知公告): the units they are addressed to, who read them (per person, with the unit it counts for) and the units' returns. */
export class NoticesMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE notices (
      id uuid PRIMARY KEY,
      title text NOT NULL,
      body text NOT NULL,
      publisher_unit text NOT NULL,
      published_by text NOT NULL,
      published_at timestamptz NOT NULL,
      roles text[] NOT NULL DEFAULT '{}',
      chosen_units text[] NOT NULL DEFAULT '{}',
      return_instructions text NULL,
      return_deadline timestamptz NULL
    )`);
    this.addSql('CREATE INDEX notices_publisher ON notices (publisher_unit text_pattern_ops, published_at DESC)');
    this.addSql(`CREATE TABLE notice_units (
      notice_id uuid NOT NULL REFERENCES notices (id),
      unit_code text NOT NULL,
      unit_name text NULL,
      PRIMARY KEY (notice_id, unit_code)
    )`);
    this.addSql('CREATE INDEX notice_units_unit ON notice_units (unit_code, notice_id)');
    this.addSql(`CREATE TABLE notice_reads (
      notice_id uuid NOT NULL REFERENCES notices (id),
      subject text NOT NULL,
      username text NOT NULL,
      org_unit text NOT NULL,
      receipt_unit text NOT NULL,
      read_at timestamptz NOT NULL,
      PRIMARY KEY (notice_id, subject)
    )`);
    this.addSql(`CREATE TABLE notice_returns (
      notice_id uuid NOT NULL REFERENCES notices (id),
      unit_code text NOT NULL,
      text text NOT NULL,
      attachments text[] NOT NULL DEFAULT '{}',
      submitted_by text NOT NULL,
      submitted_at timestamptz NOT NULL,
      PRIMARY KEY (notice_id, unit_code)
    )`);
  }
}

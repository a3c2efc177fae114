import { Migration } from '@gm/persistence';

/**
 * The in-app inbox, and the cases reported at this tier whose reporters it tells (a copy escalated
 * from a child tier is told at the child, where its reporter is). A message is made once per event
 * and recipient.
 */
export class InboxMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE reported_here (
      case_key text PRIMARY KEY,
      reported_at timestamptz NOT NULL
    )`);
    this.addSql(`CREATE TABLE inbox_messages (
      id bigserial PRIMARY KEY,
      recipient text NOT NULL,
      kind text NOT NULL,
      source_id text NOT NULL,
      title_zh text NOT NULL,
      title_en text NOT NULL,
      body_zh text NOT NULL,
      body_en text NOT NULL,
      ref_type text NOT NULL,
      ref_id text NOT NULL,
      ref_no text NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      read_at timestamptz NULL,
      UNIQUE (recipient, source_id)
    )`);
    this.addSql('CREATE INDEX inbox_messages_recipient ON inbox_messages (recipient, id DESC)');
    this.addSql('CREATE INDEX inbox_messages_unread ON inbox_messages (recipient) WHERE read_at IS NULL');
  }
}

import { Migration } from '@gm/persistence';

/** Attachments announced by handhelds: who may reference which uploaded object. */
export class AttachmentsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE attachments (
      key text PRIMARY KEY,
      uploader_subject text NOT NULL,
      content_type text NOT NULL,
      size_bytes integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX attachments_uploader_idx ON attachments (uploader_subject, created_at)`);
  }
}

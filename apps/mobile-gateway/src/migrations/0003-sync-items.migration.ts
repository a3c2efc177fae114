import { Migration } from '@gm/persistence';

/** The items handhelds have synced, by device-made client id: a replayed item is answered from here and changes nothing. */
export class SyncItemsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE sync_items (
      subject text NOT NULL,
      client_id text NOT NULL,
      type text NOT NULL,
      status integer NOT NULL,
      answer jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subject, client_id)
    )`);
  }
}

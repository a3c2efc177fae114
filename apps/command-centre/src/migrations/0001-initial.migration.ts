import { Migration } from '@gm/persistence';

export class InitialMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE live_events (
      seq bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      unit_code text NOT NULL,
      occurred_at timestamptz NOT NULL,
      envelope jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE INDEX live_events_unit_seq_idx ON live_events (unit_code text_pattern_ops, seq)`);
  }
}

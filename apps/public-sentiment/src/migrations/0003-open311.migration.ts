import { Migration } from '@gm/persistence';

/** Open311 intake: answers to a category's extra attributes, the reporter's media link; the update feed reads transitions by time. */
export class Open311Migration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE cases
      ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN media_url text NULL`);
    this.addSql(`CREATE INDEX case_transitions_at_idx ON case_transitions (at, id)`);
  }
}

import { Migration } from '@gm/persistence';

/** Change proposals travel between tiers as versioned records (made at a grid, decided at its keeper). */
export class ChangeProposalVersionsMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE change_proposals ADD COLUMN version integer NOT NULL DEFAULT 1`);
  }
}

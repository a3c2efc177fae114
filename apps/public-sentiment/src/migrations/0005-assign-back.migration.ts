import { Migration } from '@gm/persistence';

/**
 * Assigning a case back down (下派): the child that owns a case again remembers the parent whose copy
 * follows it, so that its steps go up.
 */
export class AssignBackMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE cases ADD COLUMN followed_by text NULL`);
  }
}

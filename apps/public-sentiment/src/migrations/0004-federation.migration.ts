import { Migration } from '@gm/persistence';

/**
 * Federation: a case's provenance across tiers, the read-only state of a copy owned by another
 * tier, the tier of each mirrored timeline entry, and the latest summary heard from each child.
 */
export class FederationMigration extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE cases
      ADD COLUMN escalated_to text NULL,
      ADD COLUMN owner_tier text NULL,
      ADD COLUMN upstream_state text NULL,
      ADD COLUMN origin_tier text NULL,
      ADD COLUMN origin_case_id uuid NULL,
      ADD COLUMN origin_case_no text NULL,
      ADD COLUMN source_tier text NULL,
      ADD COLUMN source_case_id uuid NULL,
      ADD COLUMN tier_path text[] NULL`);
    // One copy per escalated case and child, whatever the stream redelivers.
    this.addSql(`CREATE UNIQUE INDEX cases_source_case_idx ON cases (source_tier, source_case_id) WHERE source_tier IS NOT NULL`);
    this.addSql(`CREATE INDEX cases_origin_idx ON cases (origin_tier, origin_case_id) WHERE origin_tier IS NOT NULL`);
    this.addSql(`ALTER TABLE case_transitions ADD COLUMN tier text NULL`);
    this.addSql(`CREATE TABLE tier_summaries (
      tier text PRIMARY KEY,
      at timestamptz NOT NULL,
      tiers text[] NOT NULL,
      counts jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
}

import { Migration } from '@gm/persistence';

/** Change proposals from the grid (五必报 and other changes seen on the ground), decided by community staff. */
export class ChangeProposalsMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE change_proposals (
      id uuid PRIMARY KEY,
      client_id text NOT NULL,
      proposer_subject text NOT NULL,
      proposer_username text NOT NULL,
      kind text NOT NULL,
      grid_code text NOT NULL,
      summary jsonb NOT NULL,
      body_box bytea NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected')),
      decided_by text NULL,
      decided_at timestamptz NULL,
      note text NULL,
      applied jsonb NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT change_proposals_client_id UNIQUE (proposer_subject, client_id)
    )`);
    this.addSql(`CREATE INDEX change_proposals_grid_idx ON change_proposals (grid_code, status, created_at DESC)`);
  }
}

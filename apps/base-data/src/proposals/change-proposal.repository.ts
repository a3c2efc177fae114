import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { ChangeProposalKind, ChangeProposalView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';

/** A stored change proposal, as its table holds it. */
export interface ChangeProposalRow {
  id: string;
  client_id: string;
  proposer_subject: string;
  proposer_username: string;
  kind: ChangeProposalKind;
  grid_code: string;
  summary: ChangeProposalView['summary'];
  body_box: Buffer;
  status: ChangeProposalView['status'];
  decided_by: string | null;
  decided_at: Date | null;
  note: string | null;
  applied: ChangeProposalView['applied'];
  created_at: Date;
}

/** A new proposal: its body already sealed by the caller. */
export interface NewChangeProposal {
  readonly id: string;
  readonly clientId: string;
  readonly proposerSubject: string;
  readonly proposerUsername: string;
  readonly kind: ChangeProposalKind;
  readonly gridCode: string;
  readonly summary: ChangeProposalView['summary'];
  readonly bodyBox: Buffer;
}

/** The only place that reads or writes the change proposals and their history rows (plain pool, `$n`). */
@Injectable()
export class ChangeProposalRepository extends SqlRepository {
  private t = (n: string) => this.table(n);

  /** Proposals of grids under `unit`, newest first: at most `limit` + 1, the one past the page telling there is another. */
  page(filter: { unit: string; status?: string | undefined; before?: string | undefined; limit: number }): Promise<ChangeProposalRow[]> {
    const params: unknown[] = [`${filter.unit}%`];
    const where = ['grid_code LIKE $1'];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.before) where.push(`created_at < $${params.push(filter.before)}`);
    return this.sql.query<ChangeProposalRow>(`SELECT * FROM ${this.t('change_proposals')} WHERE ${where.join(' AND ')} ORDER BY created_at DESC LIMIT $${params.push(filter.limit + 1)}`, params);
  }

  async byId(id: string): Promise<ChangeProposalRow | undefined> {
    return (await this.sql.query<ChangeProposalRow>(`SELECT * FROM ${this.t('change_proposals')} WHERE id = $1`, [id]))[0];
  }

  /** The proposal a proposer sent with this clientId, or undefined. */
  async byClientId(subject: string, clientId: string): Promise<ChangeProposalRow | undefined> {
    return (await this.sql.query<ChangeProposalRow>(`SELECT * FROM ${this.t('change_proposals')} WHERE proposer_subject = $1 AND client_id = $2`, [subject, clientId]))[0];
  }

  /** Stores a proposal in the caller's transaction unless the proposer already used its clientId; whether it was stored. */
  async insert(client: pg.PoolClient, p: NewChangeProposal): Promise<boolean> {
    const inserted = await client.query(
      `INSERT INTO ${this.t('change_proposals')} (id, client_id, proposer_subject, proposer_username, kind, grid_code, summary, body_box) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (proposer_subject, client_id) DO NOTHING`,
      [p.id, p.clientId, p.proposerSubject, p.proposerUsername, p.kind, p.gridCode, JSON.stringify(p.summary), p.bodyBox],
    );
    return Boolean(inserted.rowCount);
  }

  /** Confirms a pending proposal as its next version, in the caller's transaction; the updated row, or none when it was no longer pending. */
  confirm(client: pg.PoolClient, id: string, by: string, note: string | null, applied: { kind: string; key: string }): Promise<ChangeProposalRow[]> {
    return this.decide(client, id, `status = 'confirmed', decided_by = $2, decided_at = now(), note = $3, applied = $4`, [by, note, JSON.stringify(applied)]);
  }

  /** Rejects a pending proposal as its next version, in the caller's transaction; the updated row, or none when it was no longer pending. */
  reject(client: pg.PoolClient, id: string, by: string, reason: string): Promise<ChangeProposalRow[]> {
    return this.decide(client, id, `status = 'rejected', decided_by = $2, decided_at = now(), note = $3`, [by, reason]);
  }

  /** A history row of a proposal (on its own, after the decision). */
  async addHistory(id: string, action: string, actor: string, changes: Record<string, unknown>): Promise<void> {
    await this.sql.query(`INSERT INTO ${this.t('change_history')} (entity, entity_key, action, actor, changes) VALUES ('change-proposal', $1, $2, $3, $4)`, [id, action, actor, JSON.stringify(changes)]);
  }

  private async decide(client: pg.PoolClient, id: string, set: string, params: readonly unknown[]): Promise<ChangeProposalRow[]> {
    const r = await client.query<ChangeProposalRow>(`UPDATE ${this.t('change_proposals')} SET ${set}, version = version + 1 WHERE id = $1 AND status = 'pending' RETURNING *`, [id, ...params]);
    return r.rows;
  }
}

import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { SqlRepository } from '@gm/platform';
import type { BaseDataKind } from '@gm/contracts';

/** What an import leaves besides its records (plain pool, `$n`): the file's record, its history line, the grids it touched. */
@Injectable()
export class ImportRecordsRepository extends SqlRepository {
  /** The file's row in `imports`, in the import's transaction. */
  async recordFile(client: PoolClient, r: { importId: string; kind: BaseDataKind; actor: string; rows: number; inserted: number; updated: number; rejected: number }): Promise<void> {
    await client.query(`INSERT INTO ${this.table('imports')} (id, kind, actor, rows, inserted, updated, rejected) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      r.importId,
      r.kind,
      r.actor,
      r.rows,
      r.inserted,
      r.updated,
      r.rejected,
    ]);
  }

  /** New records are recorded per file (a million rows need not a million history lines); updates per record. */
  async recordInserted(client: PoolClient, kind: BaseDataKind, importId: string, actor: string, inserted: number): Promise<void> {
    await client.query(`INSERT INTO ${this.table('change_history')} (entity, entity_key, action, actor, changes) VALUES ($1, $2, 'import', $3, $4)`, [
      kind,
      importId,
      actor,
      JSON.stringify({ inserted }),
    ]);
  }

  /** The grids of the staged rows (at most 5,000). Houses carry no grid of their own in the file: theirs is their building's. */
  async touchedGrids(client: PoolClient, kind: BaseDataKind, stageTable: string): Promise<string[]> {
    const sql =
      kind === 'houses'
        ? `SELECT DISTINCT b.grid_code AS g FROM ${stageTable} s JOIN ${this.table('buildings')} b ON b.code = s.building_code ORDER BY 1 LIMIT 5000`
        : `SELECT DISTINCT grid_code AS g FROM ${stageTable} WHERE grid_code IS NOT NULL ORDER BY 1 LIMIT 5000`;
    return (await client.query<{ g: string }>(sql)).rows.map((x) => x.g);
  }
}

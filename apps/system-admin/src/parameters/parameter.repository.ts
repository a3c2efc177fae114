import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { ParameterKey } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';

export interface StoredParameter {
  readonly value: unknown;
  readonly version: number;
  readonly updatedAt: Date;
}

export interface ParameterChange {
  readonly version: number;
  readonly changedAt: Date;
  readonly changedBy: string;
  readonly changedRole: string;
}

/** The only place that reads or writes the parameters and their history (plain pool, `$n`). */
@Injectable()
export class ParameterRepository extends SqlRepository {
  async current(key: ParameterKey): Promise<StoredParameter | undefined> {
    const [row] = await this.sql.query<StoredParameter>(`SELECT value, version, updated_at AS "updatedAt" FROM ${this.sql.table('parameters')} WHERE key = $1`, [key]);
    return row;
  }

  /** The stored version (0 when none), locked until the transaction ends: one save at a time per key. */
  async lockVersion(client: pg.PoolClient, key: ParameterKey): Promise<number> {
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${this.sql.table('parameters')} WHERE key = $1 FOR UPDATE`, [key]);
    return rows[0]?.version ?? 0;
  }

  /** Stores `value` as `version` and appends it to the history, in the caller's transaction; returns when it was stored. */
  async save(client: pg.PoolClient, key: ParameterKey, value: unknown, version: number, by: { subject: string; role: string }): Promise<Date> {
    const { rows } = await client.query<{ updated_at: Date }>(
      `INSERT INTO ${this.sql.table('parameters')} (key, value, version, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
       RETURNING updated_at`,
      [key, JSON.stringify(value), version, by.subject],
    );
    await client.query(`INSERT INTO ${this.sql.table('parameter_history')} (key, version, value, changed_by, changed_role) VALUES ($1, $2, $3, $4, $5)`, [
      key,
      version,
      JSON.stringify(value),
      by.subject,
      by.role,
    ]);
    return rows[0]!.updated_at;
  }

  /** The newest 100 versions of `key`, newest first. */
  history(key: ParameterKey): Promise<ParameterChange[]> {
    return this.sql.query<ParameterChange>(
      `SELECT version, changed_at AS "changedAt", changed_by AS "changedBy", changed_role AS "changedRole"
         FROM ${this.sql.table('parameter_history')} WHERE key = $1 ORDER BY version DESC LIMIT 100`,
      [key],
    );
  }
}

import type pg from 'pg';
import { upsertCounts } from '@gm/platform';

export interface ColumnSpec {
  readonly name: string;
  /** Expression over the stage row `s` (default `s.<name>`). */
  readonly value?: string;
  /** Expression over the table row `t` to compare with (default `t.<name>`). */
  readonly current?: string;
  /** History records "changed" instead of the values (ciphertext, hashes, geometry). */
  readonly opaque?: boolean;
  /** Compared and written, but not listed in the history (e.g. the ciphertext beside its hash). */
  readonly silent?: boolean;
  /** Only written when another column changed (e.g. a fresh ciphertext of the same value). */
  readonly followsChange?: boolean;
}

export interface UpsertSpec {
  readonly table: string;
  readonly key: string;
  /** Columns written on insert only (e.g. a generated id). */
  readonly insertOnly?: readonly ColumnSpec[];
  readonly columns: readonly ColumnSpec[];
  /** `FROM …` producing the stage rows as `s` (joins allowed). */
  readonly from: string;
  readonly entity: string;
  readonly actor: string;
  /**
   * When the table is empty (a first load), take its indexes away, insert, and build them again:
   * one sort per index instead of a million index insertions into random places of a B-tree. The
   * key's own index (a primary key or unique constraint) goes too, unless a foreign key leans on
   * it: nothing can conflict in an empty table, so a plain `INSERT` does, and the constraint is
   * added back after. The table is locked for the transaction anyway; with data in it all of this
   * is skipped so that readers are not blocked.
   */
  readonly rebuildIndexesWhenEmpty?: boolean;
}

const expr = (c: ColumnSpec, side: 's' | 't') => (side === 's' ? (c.value ?? `s.${c.name}`) : (c.current ?? `t.${c.name}`));

/**
 * Upserts staged rows by natural key, writing only rows that changed, and records for each
 * changed row which fields changed (from → to, or just "changed" for opaque fields). Returns the
 * insert and update counts.
 */
export async function upsertWithHistory(client: pg.PoolClient, spec: UpsertSpec): Promise<{ inserted: number; updated: number }> {
  const rebuild = spec.rebuildIndexesWhenEmpty ? await dropIndexesIfEmpty(client, spec.table) : undefined;
  if (!rebuild) return upsert(client, spec);
  const inserted = await insertAll(client, spec);
  await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  for (const statement of rebuild) await client.query(statement);
  return { inserted, updated: 0 };
}

/**
 * When the table is empty: drops its indexes (those of constraints no foreign key depends on
 * included) and returns the statements that build them again, constraints first; undefined when
 * the table has rows.
 */
async function dropIndexesIfEmpty(client: pg.PoolClient, table: string): Promise<string[] | undefined> {
  const isEmpty = async () => (await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS empty`)).rows[0]?.empty === true;
  if (!(await isEmpty())) return undefined;
  const [schema, name] = table.replace(/"/g, '').split('.');
  const qualified = `"${schema}"."${name}"`;
  // Dropping takes this lock anyway; taken first, a row another transaction committed meanwhile is seen.
  await client.query(`LOCK TABLE ${qualified} IN ACCESS EXCLUSIVE MODE`);
  if (!(await isEmpty())) return undefined;
  const constraints = (
    await client.query<{ conname: string; def: string }>(
      `SELECT c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
       WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u')
         AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
       ORDER BY c.contype, c.conname`,
      [qualified],
    )
  ).rows;
  for (const c of constraints) await client.query(`ALTER TABLE ${qualified} DROP CONSTRAINT "${c.conname}"`);
  const indexes = (
    await client.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = $1 AND i.tablename = $2
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
      [schema, name],
    )
  ).rows;
  for (const d of indexes) await client.query(`DROP INDEX "${schema}"."${d.indexname}"`);
  return [...constraints.map((c) => `ALTER TABLE ${qualified} ADD CONSTRAINT "${c.conname}" ${c.def}`), ...indexes.map((d) => d.indexdef)];
}

/** The columns an insert writes (the key, insert-only and upserted ones) and their values from the stage row `s`. */
function inserted(spec: UpsertSpec): { names: string[]; values: string[] } {
  const all = [...(spec.insertOnly ?? []), ...spec.columns];
  return { names: [spec.key, ...all.map((c) => c.name)], values: [`s.${spec.key}`, ...all.map((c) => expr(c, 's'))] };
}

/** A first load: every staged row is new, so no comparison, no history, no conflict handling. */
async function insertAll(client: pg.PoolClient, spec: UpsertSpec): Promise<number> {
  const { names, values } = inserted(spec);
  const res = await client.query(`INSERT INTO ${spec.table} (${names.join(', ')}, updated_at) SELECT ${values.join(', ')}, now() FROM ${spec.from}`);
  return res.rowCount ?? 0;
}

async function upsert(client: pg.PoolClient, spec: UpsertSpec): Promise<{ inserted: number; updated: number }> {
  const compared = spec.columns.filter((c) => !c.followsChange);
  const diffT = compared.map((c) => expr(c, 't')).join(', ');
  const diffS = compared.map((c) => expr(c, 's')).join(', ');
  const changes = compared
    .filter((c) => !c.silent)
    .map(
      (c) =>
        `'${c.name}', CASE WHEN ${expr(c, 't')} IS DISTINCT FROM ${expr(c, 's')} THEN ${
          c.opaque ? `to_jsonb('changed'::text)` : `jsonb_build_object('from', to_jsonb(${expr(c, 't')}), 'to', to_jsonb(${expr(c, 's')}))`
        } END`,
    )
    .join(', ');
  await client.query(
    `INSERT INTO ${spec.table.replace(/\.\w+$/, '.change_history')} (entity, entity_key, action, actor, changes)
     SELECT $1, t.${spec.key}::text, 'import-update', $2, jsonb_strip_nulls(jsonb_build_object(${changes}))
     FROM ${spec.from} JOIN ${spec.table} t ON t.${spec.key} = s.${spec.key}
     WHERE (${diffT}) IS DISTINCT FROM (${diffS})`,
    [spec.entity, spec.actor],
  );
  const { names, values } = inserted(spec);
  const tableName = spec.table.split('.').pop()!;
  const updates = spec.columns.map((c) => `${c.name} = EXCLUDED.${c.name}`).join(', ');
  const changedT = compared.map((c) => `${tableName}.${c.name}`).join(', ');
  const changedE = compared.map((c) => `EXCLUDED.${c.name}`).join(', ');
  // Rows neither new nor changed are left out by one hash join first: a re-import of a million
  // unchanged rows then costs a join, not a million conflict probes and row locks. ON CONFLICT
  // still decides for rows another transaction wrote meanwhile.
  return upsertCounts(
    client,
    `INSERT INTO ${spec.table} (${names.join(', ')}, updated_at) SELECT ${values.join(', ')}, now()
     FROM ${spec.from} LEFT JOIN ${spec.table} t ON t.${spec.key} = s.${spec.key}
     WHERE t.${spec.key} IS NULL OR (${diffT}) IS DISTINCT FROM (${diffS})
     ON CONFLICT (${spec.key}) DO UPDATE SET ${updates}, updated_at = now(), version = ${tableName}.version + 1
     WHERE (${changedT}) IS DISTINCT FROM (${changedE})`,
  );
}

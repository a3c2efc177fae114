import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { ResidentView } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { escapeLike } from '../records/record-writes';
import type { NewResident, ResidentFilter } from './resident.service';

/** Which residents a list shows: identifiers by their keyed hashes (the caller computes them), the rest as the filter has it. */
export type ResidentQuery = Pick<ResidentFilter, 'scope' | 'name' | 'address' | 'tags' | 'focusClass' | 'residenceType' | 'limit'> & {
  readonly status: string;
  readonly idHash?: Buffer | undefined;
  readonly phoneHash?: Buffer | undefined;
  /** The last row of the previous page (name, then id). */
  readonly after?: { readonly name: string; readonly id: string } | undefined;
};

/** The columns a hand-made update may set, in the order the statement sets them. */
const UPDATABLE = ['pii', 'pii_key', 'phone_hash', 'phone_masked', 'tags', 'focus_class', 'residence_type', 'party_member'] as const;
export type ResidentColumn = (typeof UPDATABLE)[number];

/** What a registration writes (or writes again, for someone who comes back): the identifiers already sealed, hashed and masked. */
export type RegisteredResident = Omit<NewResident, 'idNumber' | 'phone'> & {
  readonly pii: Buffer;
  readonly piiKey: number;
  readonly phoneHash: Buffer | null;
  readonly phoneMasked: string | null;
  readonly sex: string;
  readonly birthDate: string;
  readonly gridCode: string;
};

/** A resident locked for a lifecycle change (move, leave, death). */
export interface LockedResident {
  household_code: string;
  grid_code: string;
  relation: string;
  status: string;
  birth_date: string;
}

/** One audited read of identifiers in clear. */
export interface PiiRead {
  readonly id: string;
  readonly actorSubject: string;
  readonly actorUsername: string | null;
  readonly actorRole: string;
  readonly actorUnit: string;
  readonly residentId: string;
  readonly fields: readonly string[];
  readonly reason: string;
  readonly gridCode: string;
  readonly readAtTier: string;
}

/** The records that hold a sealed box of personal data, and where they keep it. */
const SEALED = {
  resident: { table: 'residents', key: 'id', keyType: 'uuid', box: 'pii', keyColumn: 'pii_key' },
  organisation: { table: 'organisations', key: 'code', keyType: 'text', box: 'contact_pii', keyColumn: 'contact_pii_key' },
} as const;
export type SealedKind = keyof typeof SEALED;

const SELECT = (t: (n: string) => string) => `
  SELECT r.id, r.name, r.sex, to_char(r.birth_date, 'YYYY-MM-DD') AS "birthDate", r.id_masked AS "idNumber", r.phone_masked AS phone,
         r.household_code AS "householdCode", r.relation, r.residence_type AS "residenceType", r.focus_class AS "focusClass",
         r.tags, r.party_member AS "partyMember", r.grid_code AS "gridCode", concat(b.address, ' ', hs.room, '室') AS address,
         r.status, to_char(r.status_since, 'YYYY-MM-DD') AS "statusSince"
  FROM ${t('residents')} r
  JOIN ${t('households')} h ON h.code = r.household_code
  JOIN ${t('houses')} hs ON hs.code = h.house_code
  JOIN ${t('buildings')} b ON b.code = hs.building_code`;

/** The only place that reads or writes residents, their audited clear reads and their sealed boxes (plain pool, `$n`). */
@Injectable()
export class ResidentRepository extends SqlRepository {
  private t = (n: string) => this.table(n);

  /** Residents of the query as the lists show them (masked), by name then id: at most `limit` + 1, the one past the page telling there is another. */
  page(q: ResidentQuery): Promise<ResidentView[]> {
    const params: unknown[] = [`${q.scope}%`, q.status];
    const where = ['r.grid_code LIKE $1', 'r.status = $2'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (q.name) add((p) => `r.name LIKE ${p}`, `${escapeLike(q.name)}%`);
    if (q.idHash) add((p) => `r.id_hash = ${p}`, q.idHash);
    if (q.phoneHash) add((p) => `r.phone_hash = ${p}`, q.phoneHash);
    if (q.address) add((p) => `b.address ILIKE ${p}`, `%${escapeLike(q.address)}%`);
    if (q.tags?.length) add((p) => `r.tags @> ${p}::text[]`, q.tags);
    if (q.focusClass) add((p) => `r.focus_class = ${p}`, q.focusClass);
    if (q.residenceType) add((p) => `r.residence_type = ${p}`, q.residenceType);
    if (q.after) {
      params.push(q.after.name, q.after.id);
      where.push(`(r.name, r.id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(q.limit + 1);
    return this.sql.query<ResidentView>(`${SELECT(this.t)} WHERE ${where.join(' AND ')} ORDER BY r.name, r.id LIMIT $${params.length}`, params);
  }

  /** One resident as the lists show them (masked), wherever they are, or undefined. */
  async byId(id: string): Promise<ResidentView | undefined> {
    const [row] = await this.sql.query<ResidentView>(`${SELECT(this.t)} WHERE r.id = $1`, [id]);
    return row;
  }

  /** A resident's grid and sealed box, in the caller's transaction. */
  async sealed(client: pg.PoolClient, id: string): Promise<{ grid_code: string; pii: Buffer } | undefined> {
    return (await client.query<{ grid_code: string; pii: Buffer }>(`SELECT grid_code, pii FROM ${this.t('residents')} WHERE id = $1`, [id])).rows[0];
  }

  /** A resident's sealed box (the row, undefined for no such resident). */
  async box(id: string): Promise<{ pii: Buffer } | undefined> {
    return (await this.sql.query<{ pii: Buffer }>(`SELECT pii FROM ${this.t('residents')} WHERE id = $1`, [id]))[0];
  }

  /** Keeps the audit record of a clear read, in the caller's transaction. */
  async insertRead(client: pg.PoolClient, read: PiiRead): Promise<void> {
    await client.query(
      `INSERT INTO ${this.t('pii_reads')} (id, actor_subject, actor_username, actor_role, actor_unit, resident_id, fields, reason, grid_code, read_at_tier)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [read.id, read.actorSubject, read.actorUsername, read.actorRole, read.actorUnit, read.residentId, read.fields, read.reason, read.gridCode, read.readAtTier],
    );
  }

  /** The audited clear reads, newest first, of one resident when given. */
  reads(filter: { residentId?: string | undefined; limit: number }): Promise<unknown[]> {
    return this.sql.query(
      `SELECT id, at, actor_subject AS "actorSubject", actor_username AS "actorUsername", actor_role AS "actorRole", actor_unit AS "actorUnit",
              resident_id AS "residentId", fields, reason, grid_code AS "gridCode", read_at_tier AS "readAtTier"
       FROM ${this.t('pii_reads')} ${filter.residentId ? 'WHERE resident_id = $2' : ''} ORDER BY at DESC LIMIT $1`,
      filter.residentId ? [filter.limit, filter.residentId] : [filter.limit],
    );
  }

  /** Sets the given columns (in a fixed order) and makes the row a new version, in the caller's transaction. */
  async update(client: pg.PoolClient, id: string, columns: Readonly<Partial<Record<ResidentColumn, unknown>>>): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const column of UPDATABLE) {
      const value = columns[column];
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    await client.query(`UPDATE ${this.t('residents')} SET ${sets.join(', ')}, updated_at = now(), version = version + 1 WHERE id = $1`, params);
  }

  /** The resident with this ID number hash (any status), locked until the transaction ends. */
  async lockByIdHash(client: pg.PoolClient, idHash: Buffer): Promise<{ id: string; status: string; grid_code: string } | undefined> {
    return (await client.query<{ id: string; status: string; grid_code: string }>(`SELECT id, status, grid_code FROM ${this.t('residents')} WHERE id_hash = $1 FOR UPDATE`, [idHash])).rows[0];
  }

  /** A resident's columns for a lifecycle change, locked until the transaction ends. */
  async lockForUpdate(client: pg.PoolClient, id: string): Promise<LockedResident | undefined> {
    return (
      await client.query<LockedResident>(
        `SELECT household_code, grid_code, relation, status, to_char(birth_date, 'YYYY-MM-DD') AS birth_date FROM ${this.t('residents')} WHERE id = $1 FOR UPDATE`,
        [id],
      )
    ).rows[0];
  }

  /** A registration: a new row, in the caller's transaction. */
  async insert(client: pg.PoolClient, id: string, idHash: Buffer, idMasked: string, r: RegisteredResident): Promise<void> {
    await client.query(
      `INSERT INTO ${this.t('residents')} (id, id_hash, id_masked, pii, pii_key, phone_hash, phone_masked, name, sex, birth_date, household_code, relation, residence_type, focus_class, tags, party_member, grid_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [id, idHash, idMasked, ...registered(r)],
    );
  }

  /** A registration of someone recorded as having left: their old row written again, active, as a new version. */
  async reinstate(client: pg.PoolClient, id: string, r: RegisteredResident): Promise<void> {
    await client.query(
      `UPDATE ${this.t('residents')} SET pii = $2, pii_key = $3, phone_hash = $4, phone_masked = $5, name = $6, sex = $7, birth_date = $8, household_code = $9, relation = $10,
             residence_type = $11, focus_class = $12, tags = $13, party_member = $14, grid_code = $15, status = 'active', status_since = NULL, updated_at = now(), version = version + 1
           WHERE id = $1`,
      [id, ...registered(r)],
    );
  }

  /** A move to another household (and its grid), in the caller's transaction. */
  async move(client: pg.PoolClient, id: string, householdCode: string, gridCode: string, relation: string): Promise<void> {
    await client.query(`UPDATE ${this.t('residents')} SET household_code = $2, grid_code = $3, relation = $4, updated_at = now(), version = version + 1 WHERE id = $1`, [
      id,
      householdCode,
      gridCode,
      relation,
    ]);
  }

  /** Records that the resident left or died on `since`, in the caller's transaction. */
  async setStatus(client: pg.PoolClient, id: string, status: 'left' | 'deceased', since: string): Promise<void> {
    await client.query(`UPDATE ${this.t('residents')} SET status = $2, status_since = $3, updated_at = now(), version = version + 1 WHERE id = $1`, [id, status, since]);
  }

  /** A household's code and grid (anywhere), or undefined. */
  async household(client: pg.PoolClient, code: string): Promise<{ code: string; grid_code: string } | undefined> {
    return (await client.query<{ code: string; grid_code: string }>(`SELECT code, grid_code FROM ${this.t('households')} WHERE code = $1`, [code])).rows[0];
  }

  /** How many sealed boxes of residents and of organisations each key id seals, by key id. */
  async boxesByKey(): Promise<{ keyId: number; residents: number; organisations: number }[]> {
    const rows = await this.sql.query<{ k: number; r: string; o: string }>(
      `SELECT k, sum(r) AS r, sum(o) AS o FROM (
         SELECT pii_key AS k, count(*) AS r, 0 AS o FROM ${this.t('residents')} WHERE pii IS NOT NULL GROUP BY 1
         UNION ALL SELECT contact_pii_key, 0, count(*) FROM ${this.t('organisations')} WHERE contact_pii IS NOT NULL GROUP BY 1) x
       GROUP BY k ORDER BY k`,
    );
    return rows.map((r) => ({ keyId: Number(r.k), residents: Number(r.r), organisations: Number(r.o) }));
  }

  /**
   * Up to `batch` boxes of `kind` not sealed with `keyId` in box format `format` (the format byte leads the box), locked until
   * the transaction ends; rows another re-encryption holds are skipped.
   */
  async staleBoxes(client: pg.PoolClient, kind: SealedKind, keyId: number, format: number, batch: number): Promise<{ k: string; box: Buffer; grid: string }[]> {
    const { table, key, box, keyColumn } = SEALED[kind];
    return (
      await client.query<{ k: string; box: Buffer; grid: string }>(
        `SELECT ${key} AS k, ${box} AS box, grid_code AS grid FROM ${this.t(table)} WHERE ${box} IS NOT NULL AND (${keyColumn} <> $1 OR get_byte(${box}, 0) <> ${Number(format)}) LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [keyId, batch],
      )
    ).rows;
  }

  /** Stores the new boxes (sealed with `keyId`) of the records `keys`; those this tier keeps (`kept`) become a new version. */
  async reseal(client: pg.PoolClient, kind: SealedKind, keys: readonly string[], boxes: readonly Buffer[], keyId: number, kept: readonly boolean[]): Promise<void> {
    const { table, key, keyType, box, keyColumn } = SEALED[kind];
    await client.query(
      `UPDATE ${this.t(table)} t SET ${box} = v.box, ${keyColumn} = $3,
                  version = t.version + CASE WHEN v.kept THEN 1 ELSE 0 END, updated_at = CASE WHEN v.kept THEN now() ELSE t.updated_at END
             FROM unnest($1::${keyType}[], $2::bytea[], $4::boolean[]) AS v(k, box, kept) WHERE t.${key} = v.k`,
      [keys, boxes, keyId, kept],
    );
  }
}

/** The parameters $4… of a registration, in the order of its statements. */
function registered(r: RegisteredResident): unknown[] {
  return [r.pii, r.piiKey, r.phoneHash, r.phoneMasked, r.name, r.sex, r.birthDate, r.householdCode, r.relation, r.residenceType, r.focusClass, r.tags, r.partyMember, r.gridCode];
}

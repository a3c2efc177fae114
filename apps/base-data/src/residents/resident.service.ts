import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, Events, type Principal, type ResidentPage, type ResidentView } from '@gm/contracts';
import { isPlausiblePhone, isWithinScope, maskPhone, normalizeIdNumber, normalizePhone } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { ServiceSql } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { PiiCipher } from '../privacy/pii-cipher';

export interface ResidentFilter {
  readonly scope: string;
  readonly name?: string | undefined;
  readonly idNumber?: string | undefined;
  readonly phone?: string | undefined;
  readonly address?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly focusClass?: string | undefined;
  readonly residenceType?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface ResidentChanges {
  readonly phone?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly focusClass?: string | undefined;
  readonly residenceType?: string | undefined;
  readonly partyMember?: boolean | undefined;
}

const SELECT = (t: (n: string) => string) => `
  SELECT r.id, r.name, r.sex, to_char(r.birth_date, 'YYYY-MM-DD') AS "birthDate", r.id_masked AS "idNumber", r.phone_masked AS phone,
         r.household_code AS "householdCode", r.relation, r.residence_type AS "residenceType", r.focus_class AS "focusClass",
         r.tags, r.party_member AS "partyMember", r.grid_code AS "gridCode", concat(b.address, ' ', hs.room, '室') AS address
  FROM ${t('residents')} r
  JOIN ${t('households')} h ON h.code = r.household_code
  JOIN ${t('houses')} hs ON hs.code = h.house_code
  JOIN ${t('buildings')} b ON b.code = hs.building_code`;

/**
 * Residents as the people who serve them see them: within their org unit only, identifiers masked.
 * The clear values are read one record at a time, with a reason, and every such read is audited.
 */
@Injectable()
export class ResidentService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly cipher: PiiCipher,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
  ) {}

  private t = (n: string) => this.sql.table(n);

  async list(f: ResidentFilter): Promise<ResidentPage> {
    const params: unknown[] = [`${f.scope}%`];
    const where = ['r.grid_code LIKE $1'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.name) add((p) => `r.name LIKE ${p}`, `${escapeLike(f.name)}%`);
    if (f.idNumber) add((p) => `r.id_hash = ${p}`, this.cipher.hash('id', normalizeIdNumber(f.idNumber)));
    if (f.phone) add((p) => `r.phone_hash = ${p}`, this.cipher.hash('phone', normalizePhone(f.phone)));
    if (f.address) add((p) => `b.address ILIKE ${p}`, `%${escapeLike(f.address)}%`);
    if (f.tags?.length) add((p) => `r.tags @> ${p}::text[]`, f.tags);
    if (f.focusClass) add((p) => `r.focus_class = ${p}`, f.focusClass);
    if (f.residenceType) add((p) => `r.residence_type = ${p}`, f.residenceType);
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      params.push(c.n, c.i);
      where.push(`(r.name, r.id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(f.limit + 1);
    const rows = await this.sql.query<ResidentView>(`${SELECT(this.t)} WHERE ${where.join(' AND ')} ORDER BY r.name, r.id LIMIT $${params.length}`, params);
    const more = rows.length > f.limit;
    const items = rows.slice(0, f.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor({ n: last.name, i: last.id }) : null };
  }

  async get(scope: string, id: string): Promise<ResidentView> {
    const [row] = await this.sql.query<ResidentView>(`${SELECT(this.t)} WHERE r.id = $1`, [id]);
    // Outside the caller's unit the answer is the same as for a missing record.
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('RESIDENT.NOT_FOUND', `no resident ${id}`);
    return row;
  }

  /** The clear ID and/or phone number of one resident, for a stated reason; the read is audited in the same transaction. */
  async clearRead(principal: Principal, role: string, id: string, fields: readonly ('idNumber' | 'phone')[], reason: string): Promise<{ idNumber?: string; phone?: string | null }> {
    return this.sql.transaction(async (client) => {
      const row = (await client.query<{ grid_code: string; pii: Buffer }>(`SELECT grid_code, pii FROM ${this.t('residents')} WHERE id = $1`, [id])).rows[0];
      if (!row || !isWithinScope(principal.orgUnit, row.grid_code)) throw new DomainError('RESIDENT.NOT_FOUND', `no resident ${id}`);
      await client.query(
        `INSERT INTO ${this.t('pii_reads')} (id, actor_subject, actor_username, actor_role, actor_unit, resident_id, fields, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [randomUUID(), principal.subject, principal.username ?? null, role, principal.orgUnit, id, fields, reason],
      );
      const clear = this.cipher.open(row.pii);
      this.logger.event('info', 'privacy.clear_read', { residentId: id, fields, actor: principal.subject }, 'ResidentService');
      return {
        ...(fields.includes('idNumber') && { idNumber: clear.idNumber! }),
        ...(fields.includes('phone') && { phone: clear.phone ?? null }),
      };
    });
  }

  async update(principal: Principal, role: string, id: string, changes: ResidentChanges): Promise<ResidentView> {
    const current = await this.get(principal.orgUnit, id);
    const sets: string[] = [];
    const params: unknown[] = [id];
    const history: Record<string, unknown> = {};
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.phone !== undefined) {
      if (changes.phone !== null && !isPlausiblePhone(changes.phone)) throw DomainError.validation([{ field: 'phone', message: 'not a mainland mobile or landline number' }]);
      const ph = changes.phone === null ? undefined : normalizePhone(changes.phone);
      const pii = (await this.sql.query<{ pii: Buffer }>(`SELECT pii FROM ${this.t('residents')} WHERE id = $1`, [id]))[0]!.pii;
      const box = this.cipher.seal({ idNumber: this.cipher.open(pii).idNumber, phone: ph });
      set('pii', box);
      set('pii_key', this.cipher.currentKeyId);
      set('phone_hash', ph ? this.cipher.hash('phone', ph) : null);
      set('phone_masked', ph ? maskPhone(ph) : null);
      history['phone'] = 'changed';
    }
    const plain: [keyof ResidentChanges, string, keyof ResidentView][] = [
      ['tags', 'tags', 'tags'],
      ['focusClass', 'focus_class', 'focusClass'],
      ['residenceType', 'residence_type', 'residenceType'],
      ['partyMember', 'party_member', 'partyMember'],
    ];
    for (const [key, column, viewKey] of plain) {
      const value = changes[key];
      if (value === undefined) continue;
      set(column, value);
      history[column] = { from: current[viewKey], to: value };
    }
    if (sets.length === 0) return current;
    await this.sql.transaction(async (client) => {
      await client.query(`UPDATE ${this.t('residents')} SET ${sets.join(', ')}, updated_at = now(), version = version + 1 WHERE id = $1`, params);
      await client.query(`INSERT INTO ${this.t('change_history')} (entity, entity_key, action, actor, changes) VALUES ('resident', $1, 'update', $2, $3)`, [
        id,
        `${principal.subject} (${role})`,
        JSON.stringify(history),
      ]);
      await this.outbox.addWith(client, this.sql.schema, Events.residentChanged, { residentId: id, gridCode: current.gridCode, fields: Object.keys(history), by: { subject: principal.subject, role } }, id);
    });
    this.outbox.committed();
    return this.get(principal.orgUnit, id);
  }

  async history(scope: string, id: string): Promise<{ action: string; actor: string; at: string; changes: unknown }[]> {
    await this.get(scope, id);
    return this.sql.query(`SELECT action, actor, at, changes FROM ${this.t('change_history')} WHERE entity = 'resident' AND entity_key = $1 ORDER BY at, id`, [id]);
  }

  async reads(filter: { residentId?: string | undefined; limit: number }): Promise<unknown[]> {
    return this.sql.query(
      `SELECT id, at, actor_subject AS "actorSubject", actor_username AS "actorUsername", actor_role AS "actorRole", actor_unit AS "actorUnit",
              resident_id AS "residentId", fields, reason
       FROM ${this.t('pii_reads')} ${filter.residentId ? 'WHERE resident_id = $2' : ''} ORDER BY at DESC LIMIT $1`,
      filter.residentId ? [filter.limit, filter.residentId] : [filter.limit],
    );
  }

  /** Re-encrypts every record whose box uses a retired key, in batches. */
  async reencrypt(batch = 5000): Promise<{ residents: number; organisations: number }> {
    const residents = await this.reencryptTable('residents', 'id', 'uuid', 'pii', 'pii_key', batch);
    const organisations = await this.reencryptTable('organisations', 'code', 'text', 'contact_pii', 'contact_pii_key', batch);
    this.logger.event('info', 'privacy.reencrypted', { residents, organisations, key: this.cipher.currentKeyId }, 'ResidentService');
    return { residents, organisations };
  }

  private async reencryptTable(table: string, key: string, keyType: string, box: string, keyColumn: string, batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.sql.transaction(async (client) => {
        const rows = (
          await client.query<{ k: string; box: Buffer }>(
            `SELECT ${key} AS k, ${box} AS box FROM ${this.t(table)} WHERE ${box} IS NOT NULL AND ${keyColumn} <> $1 LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [this.cipher.currentKeyId, batch],
          )
        ).rows;
        if (rows.length === 0) return 0;
        await client.query(
          `UPDATE ${this.t(table)} t SET ${box} = v.box, ${keyColumn} = $3 FROM unnest($1::${keyType}[], $2::bytea[]) AS v(k, box) WHERE t.${key} = v.k`,
          [rows.map((r) => r.k), rows.map((r) => this.cipher.seal(this.cipher.open(r.box))), this.cipher.currentKeyId],
        );
        return rows.length;
      });
      total += n;
      if (n === 0) return total;
    }
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

function encodeCursor(c: { n: string; i: string }): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): { n: string; i: string } {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { n?: unknown; i?: unknown };
    if (typeof c.n === 'string' && typeof c.i === 'string' && /^[0-9a-f-]{36}$/.test(c.i)) return { n: c.n, i: c.i };
  } catch {
    /* fall through */
  }
  throw DomainError.validation([{ field: 'cursor', message: 'not a cursor from this list' }]);
}


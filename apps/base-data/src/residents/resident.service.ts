import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type Principal, type ResidentPage, type ResidentView } from '@gm/contracts';
import { idNumberFacts, idNumberProblem, isPlausiblePhone, isWithinScope, maskIdNumber, maskPhone, normalizeIdNumber, normalizePhone, type IdNumberProblem } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { PiiCipher, PiiKeyMissing } from '../privacy/pii-cipher';
import { RecordVersions } from '../replication/record-versions';
import { RecordWrites, type Actor, type WriteTx } from '../records/record-writes';
import { ResidentRepository, type LockedResident, type RegisteredResident, type ResidentColumn, type SealedKind } from './resident.repository';

export interface ResidentFilter {
  readonly scope: string;
  readonly name?: string | undefined;
  readonly idNumber?: string | undefined;
  readonly phone?: string | undefined;
  readonly address?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly focusClass?: string | undefined;
  readonly residenceType?: string | undefined;
  /** Default: active residents only. */
  readonly status?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/** A resident registered by hand (a birth, someone moving in); sex and birth date come from the ID number. */
export interface NewResident {
  readonly idNumber: string;
  readonly name: string;
  readonly phone?: string | undefined;
  readonly householdCode: string;
  readonly relation: string;
  readonly residenceType: string;
  readonly focusClass: string;
  readonly tags: readonly string[];
  readonly partyMember: boolean;
}

export const ID_PROBLEMS: Record<IdNumberProblem, string> = {
  format: 'must be 17 digits and a check digit or X',
  'birth-date': 'the birth date in the ID number is not a real past date',
  checksum: 'the check digit does not match (a digit mistyped?)',
};

export interface ResidentChanges {
  readonly phone?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly focusClass?: string | undefined;
  readonly residenceType?: string | undefined;
  readonly partyMember?: boolean | undefined;
}

/**
 * Residents as the people who serve them see them: within their org unit only, identifiers masked.
 * The clear values are read one record at a time, with a reason, and every such read is audited.
 */
@Injectable()
export class ResidentService {
  constructor(
    private readonly residents: ResidentRepository,
    private readonly cipher: PiiCipher,
    private readonly writes: RecordWrites,
    private readonly versions: RecordVersions,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  async list(f: ResidentFilter): Promise<ResidentPage> {
    const idHash = f.idNumber ? this.cipher.hash('id', normalizeIdNumber(f.idNumber)) : undefined;
    const phoneHash = f.phone ? this.cipher.hash('phone', normalizePhone(f.phone)) : undefined;
    const c = f.cursor ? decodeCursor(f.cursor) : undefined;
    const rows = await this.residents.page({
      scope: f.scope,
      status: f.status ?? 'active',
      name: f.name,
      idHash,
      phoneHash,
      address: f.address,
      tags: f.tags,
      focusClass: f.focusClass,
      residenceType: f.residenceType,
      after: c && { name: c.n, id: c.i },
      limit: f.limit,
    });
    const more = rows.length > f.limit;
    const items = rows.slice(0, f.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor({ n: last.name, i: last.id }) : null };
  }

  async get(scope: string, id: string): Promise<ResidentView> {
    const row = await this.residents.byId(id);
    // Outside the caller's unit the answer is the same as for a missing record.
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('RESIDENT.NOT_FOUND', `no resident ${id}`);
    return row;
  }

  /** The clear ID and/or phone number of one resident, for a stated reason; the read is audited in the same transaction. */
  async clearRead(principal: Principal, role: string, id: string, fields: readonly ('idNumber' | 'phone')[], reason: string): Promise<{ idNumber?: string; phone?: string | null }> {
    return this.residents.transaction(async (client) => {
      const row = await this.residents.sealed(client, id);
      if (!row || !isWithinScope(principal.orgUnit, row.grid_code)) throw new DomainError('RESIDENT.NOT_FOUND', `no resident ${id}`);
      const readId = randomUUID();
      await this.residents.insertRead(client, {
        id: readId,
        actorSubject: principal.subject,
        actorUsername: principal.username ?? null,
        actorRole: role,
        actorUnit: principal.orgUnit,
        residentId: id,
        fields,
        reason,
        gridCode: row.grid_code,
        readAtTier: this.config.tier,
      });
      // In a federation the audit record also goes up, to the district's auditors (ADR 0012).
      await this.versions.publish(client, 'pii-read', [readId]);
      const clear = this.openOrExplain(row.pii);
      this.logger.event('info', 'privacy.clear_read', { residentId: id, fields, actor: principal.subject }, 'ResidentService');
      return {
        ...(fields.includes('idNumber') && { idNumber: clear.idNumber! }),
        ...(fields.includes('phone') && { phone: clear.phone ?? null }),
      };
    });
  }

  async update(actor: Actor, id: string, changes: ResidentChanges): Promise<ResidentView> {
    const { principal } = actor;
    const current = await this.get(principal.orgUnit, id);
    if (current.status !== 'active') throw new DomainError('RESIDENT.NOT_ACTIVE', `the resident is recorded as ${current.status === 'left' ? 'having left the area' : 'deceased'}`);
    const columns: Partial<Record<ResidentColumn, unknown>> = {};
    const history: Record<string, unknown> = {};
    const set = (column: ResidentColumn, value: unknown) => {
      columns[column] = value;
    };
    if (changes.phone !== undefined) {
      if (changes.phone !== null && !isPlausiblePhone(changes.phone)) throw DomainError.validation([{ field: 'phone', message: 'not a mainland mobile or landline number' }]);
      const ph = changes.phone === null ? undefined : normalizePhone(changes.phone);
      const pii = (await this.residents.box(id))!.pii;
      const box = this.cipher.seal({ idNumber: this.cipher.open(pii).idNumber, phone: ph });
      set('pii', box);
      set('pii_key', this.cipher.currentKeyId);
      set('phone_hash', ph ? this.cipher.hash('phone', ph) : null);
      set('phone_masked', ph ? maskPhone(ph) : null);
      history['phone'] = 'changed';
    }
    const plain: [keyof ResidentChanges, ResidentColumn, keyof ResidentView][] = [
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
    if (Object.keys(columns).length === 0) return current;
    await this.writes.write(actor, async (tx) => {
      await this.residents.update(tx.client, id, columns);
      await tx.resident(id, current.gridCode, 'updated', 'update', history);
    });
    return this.get(principal.orgUnit, id);
  }

  /**
   * Registers a resident in a household of the caller's unit. Someone recorded as having left the
   * area who comes back gets their old record again (same id, history kept), not a second one.
   */
  async add(actor: Actor, input: NewResident): Promise<ResidentView> {
    const problem = idNumberProblem(input.idNumber);
    if (problem) throw DomainError.validation([{ field: 'idNumber', message: ID_PROBLEMS[problem] }]);
    if (input.phone && !isPlausiblePhone(input.phone)) throw DomainError.validation([{ field: 'phone', message: 'not a mainland mobile or landline number' }]);
    const idNumber = normalizeIdNumber(input.idNumber);
    const idHash = this.cipher.hash('id', idNumber);
    const phone = input.phone ? normalizePhone(input.phone) : undefined;
    const { sex, birthDate } = idNumberFacts(idNumber);
    const scope = actor.principal.orgUnit;
    const id = await this.writes.write(actor, async ({ client, resident }) => {
      const household = await this.householdIn(client, scope, input.householdCode);
      const existing = await this.residents.lockByIdHash(client, idHash);
      if (existing?.status === 'active') {
        const where = isWithinScope(scope, existing.grid_code) ? `in grid ${existing.grid_code} (resident ${existing.id}): move or update that record` : 'outside your unit: the unit that holds the record moves them';
        throw new DomainError('RESIDENT.ALREADY_REGISTERED', `idNumber: already registered ${where}`, [{ field: 'idNumber', message: `already registered ${where}` }]);
      }
      if (existing?.status === 'deceased') throw new DomainError('RESIDENT.NOT_ACTIVE', 'idNumber: this person is recorded as deceased', [{ field: 'idNumber', message: 'this person is recorded as deceased' }]);
      const values: RegisteredResident = {
        pii: this.cipher.seal({ idNumber, phone }),
        piiKey: this.cipher.currentKeyId,
        phoneHash: phone ? this.cipher.hash('phone', phone) : null,
        phoneMasked: phone ? maskPhone(phone) : null,
        name: input.name,
        sex,
        birthDate,
        householdCode: household.code,
        relation: input.relation,
        residenceType: input.residenceType,
        focusClass: input.focusClass,
        tags: input.tags,
        partyMember: input.partyMember,
        gridCode: household.gridCode,
      };
      const recorded = { household_code: household.code, grid_code: household.gridCode, relation: input.relation, residence_type: input.residenceType, focus_class: input.focusClass, tags: input.tags, party_member: input.partyMember };
      if (existing) {
        await this.residents.reinstate(client, existing.id, values);
        await resident(existing.id, household.gridCode, 'returned', 'return', { status: { from: 'left', to: 'active' }, ...recorded });
        return existing.id;
      }
      const newId = randomUUID();
      await this.residents.insert(client, newId, idHash, maskIdNumber(idNumber), values);
      // The history names the identifiers as set, never their values.
      await resident(newId, household.gridCode, 'added', 'add', { id_number: 'set', name: 'set', ...(phone && { phone: 'set' }), ...recorded });
      return newId;
    }).catch((err: unknown) => {
      // Two registrations of the same person at once: the second meets the unique keyed hash.
      if ((err as { code?: string }).code === '23505') throw new DomainError('RESIDENT.ALREADY_REGISTERED', 'idNumber: already registered', [{ field: 'idNumber', message: 'already registered' }]);
      throw err;
    });
    return this.get(scope, id);
  }

  /** Moves an active resident to another household of the caller's unit (the grid follows the household). */
  async move(actor: Actor, id: string, householdCode: string, relation?: string): Promise<ResidentView> {
    await this.lifecycle(actor, id, async (client, current) => {
      const household = await this.householdIn(client, actor.principal.orgUnit, householdCode);
      if (household.code === current.household_code) throw DomainError.validation([{ field: 'householdCode', message: `the resident already lives in household ${household.code}` }]);
      const changes = {
        household_code: { from: current.household_code, to: household.code },
        ...(household.gridCode !== current.grid_code && { grid_code: { from: current.grid_code, to: household.gridCode } }),
        ...(relation && relation !== current.relation && { relation: { from: current.relation, to: relation } }),
      };
      await this.residents.move(client, id, household.code, household.gridCode, relation ?? current.relation);
      return { action: 'moved' as const, history: 'move', changes, gridCode: household.gridCode };
    });
    return this.get(actor.principal.orgUnit, id);
  }

  /** Records that an active resident left the area, or died, on `date`; the record stays, out of the lists. */
  async end(actor: Actor, id: string, status: 'left' | 'deceased', date: string, reason?: string): Promise<ResidentView> {
    await this.lifecycle(actor, id, async (client, current) => {
      if (date < current.birth_date) throw DomainError.validation([{ field: 'date', message: `before the resident's birth date (${current.birth_date})` }]);
      if (date > new Date().toISOString().slice(0, 10)) throw DomainError.validation([{ field: 'date', message: 'lies in the future' }]);
      await this.residents.setStatus(client, id, status, date);
      return { action: status, history: status === 'left' ? 'leave' : 'decease', changes: { status: { from: 'active', to: status }, status_since: date, ...(reason && { reason }) }, gridCode: current.grid_code };
    });
    return this.get(actor.principal.orgUnit, id);
  }

  /**
   * One change to an active resident of the caller's unit, in one transaction with its history
   * row and its event (nothing is half-written).
   */
  private async lifecycle(
    actor: Actor,
    id: string,
    change: (client: WriteTx['client'], current: LockedResident) => Promise<{ action: 'moved' | 'left' | 'deceased'; history: string; changes: Record<string, unknown>; gridCode: string }>,
  ): Promise<void> {
    const scope = actor.principal.orgUnit;
    await this.writes.write(actor, async ({ client, resident, owned }) => {
      const current = await this.residents.lockForUpdate(client, id);
      if (!current || !isWithinScope(scope, current.grid_code)) throw new DomainError('RESIDENT.NOT_FOUND', `no resident ${id}`);
      owned(current.grid_code);
      if (current.status !== 'active') throw new DomainError('RESIDENT.NOT_ACTIVE', `the resident is recorded as ${current.status === 'left' ? 'having left the area' : 'deceased'}`);
      const r = await change(client, current);
      await resident(id, r.gridCode, r.action, r.history, r.changes);
    });
  }

  /** A household of the caller's unit, or a 400 naming the field (a household elsewhere is not told apart from none). */
  private async householdIn(client: WriteTx['client'], scope: string, code: string): Promise<{ code: string; gridCode: string }> {
    const row = await this.residents.household(client, code);
    if (!row || !isWithinScope(scope, row.grid_code)) throw DomainError.validation([{ field: 'householdCode', message: `no household ${code} in your unit` }]);
    return { code: row.code, gridCode: row.grid_code };
  }

  async history(scope: string, id: string): Promise<{ action: string; actor: string; at: string; changes: unknown }[]> {
    await this.get(scope, id);
    return this.writes.history('resident', id);
  }

  async reads(filter: { residentId?: string | undefined; limit: number }): Promise<unknown[]> {
    return this.residents.reads(filter);
  }

  /** Re-encrypts every record whose box uses a retired key, in batches. */
  /** A box this tier has no key for is a configuration gap to name, not an internal error (ADR 0012: every tier holds the district's key ring). */
  private openOrExplain(box: Buffer) {
    try {
      return this.cipher.open(box);
    } catch (err) {
      if (err instanceof PiiKeyMissing) {
        throw new DomainError('SERVICE.UNAVAILABLE', `this tier (${this.config.tier}) has no PII key ${err.keyId}, which this record is sealed with: add it to PII_KEYS here (every tier holds the district's key ring)`);
      }
      throw err;
    }
  }

  /**
   * Where a rotation stands at this tier: the key ids it holds and how many records each seals. An
   * old key may leave PII_KEYS only once no tier has a record under it.
   */
  async keyStatus(): Promise<{ tier: string; current: number; configured: number[]; records: { keyId: number; residents: number; organisations: number }[] }> {
    const records = await this.residents.boxesByKey();
    return { tier: this.config.tier, current: this.cipher.currentKeyId, configured: this.cipher.keyIds, records };
  }

  async reencrypt(batch = 5000): Promise<{ residents: number; organisations: number }> {
    const residents = await this.reencryptAll('resident', batch);
    const organisations = await this.reencryptAll('organisation', batch);
    this.logger.event('info', 'privacy.reencrypted', { residents, organisations, key: this.cipher.currentKeyId }, 'ResidentService');
    return { residents, organisations };
  }

  /**
   * Re-encrypts under the current key and in the current box format (ADR 0018), in batches. In a federation the tier that keeps a record
   * makes it a new version and publishes it (ADR 0012), so that every copy above and below follows
   * without running anything there; a copy held elsewhere is re-encrypted in place (same version:
   * the content is unchanged, and a version of its own would overtake the keeper's next one).
   */
  private async reencryptAll(kind: SealedKind, batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.residents.transaction(async (client) => {
        const rows = await this.residents.staleBoxes(client, kind, this.cipher.currentKeyId, this.cipher.sealFormat, batch);
        if (rows.length === 0) return 0;
        const kept = rows.map((r) => this.versions.keeps(r.grid));
        await this.residents.reseal(
          client,
          kind,
          rows.map((r) => r.k),
          rows.map((r) => this.cipher.seal(this.cipher.open(r.box))),
          this.cipher.currentKeyId,
          kept,
        );
        await this.versions.publish(client, kind, rows.filter((_, i) => kept[i]).map((r) => r.k));
        return rows.length;
      });
      total += n;
      if (n === 0) return total;
    }
  }
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


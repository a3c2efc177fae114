import { Injectable } from '@nestjs/common';
import { DomainError, type HouseholdPage, type HouseholdView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { ServiceSql } from '@gm/platform';
import { pageByCode, Where } from '../records/codes-and-pages';
import { RecordWrites, type Actor, type WriteTx } from '../records/record-writes';

interface Member {
  readonly id: string;
  readonly grid_code: string;
}

/**
 * Households (户): registered in a house, moving to another house (their members with them),
 * split in two, or leaving the area (every member recorded as left). Codes are the house's code
 * and `-H<n>`, as the district's files have them.
 */
@Injectable()
export class HouseholdService {
  constructor(
    private readonly sql: ServiceSql,
    private readonly writes: RecordWrites,
  ) {}

  private t = (n: string) => this.sql.table(n);

  list(f: { scope: string; houseCode?: string | undefined; cursor?: string | undefined; limit: number }): Promise<HouseholdPage> {
    const where = new Where('h.grid_code', f.scope).add(f.houseCode, (p) => `h.house_code = ${p}`);
    const select = `SELECT h.code, h.house_code AS "houseCode", concat(b.address, ' ', hs.room, '室') AS address, h.grid_code AS "gridCode",
              (SELECT count(*) FROM ${this.t('residents')} r WHERE r.household_code = h.code AND r.status = 'active')::int AS members, h.version
       FROM ${this.t('households')} h JOIN ${this.t('houses')} hs ON hs.code = h.house_code JOIN ${this.t('buildings')} b ON b.code = hs.building_code`;
    return pageByCode(this.sql.query.bind(this.sql), select, 'h.code', where, f);
  }

  async get(scope: string, code: string): Promise<HouseholdView> {
    const [row] = await this.sql.query<Omit<HouseholdView, 'members'>>(
      `SELECT h.code, h.house_code AS "houseCode", concat(b.address, ' ', hs.room, '室') AS address, h.grid_code AS "gridCode", h.version
       FROM ${this.t('households')} h JOIN ${this.t('houses')} hs ON hs.code = h.house_code JOIN ${this.t('buildings')} b ON b.code = hs.building_code WHERE h.code = $1`,
      [code],
    );
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('HOUSEHOLD.NOT_FOUND', `no household ${code}`);
    const members = await this.sql.query<HouseholdView['members'][number]>(
      `SELECT id, name, relation FROM ${this.t('residents')} WHERE household_code = $1 AND status = 'active' ORDER BY relation = 'head' DESC, birth_date, id`,
      [code],
    );
    return { ...row, members };
  }

  /** A new, empty household in a house of the caller's unit; residents then move in (`POST /residents/{id}/move`) or are registered into it. */
  async create(actor: Actor, houseCode: string): Promise<HouseholdView> {
    const code = await this.writes.write(actor, async ({ client, record }) => {
      const house = await this.houseIn(client, actor.principal.orgUnit, houseCode, 'houseCode');
      const code = await this.nextCode(client, house.code);
      await client.query(`INSERT INTO ${this.t('households')} (code, house_code, grid_code) VALUES ($1, $2, $3)`, [code, house.code, house.gridCode]);
      await record('household', code, house.gridCode, 'added', 'add', { house_code: house.code, grid_code: house.gridCode });
      return code;
    });
    return this.get(actor.principal.orgUnit, code);
  }

  /** The household moves to another house of the unit; its active members go with it (and into the house's grid). */
  async move(actor: Actor, code: string, houseCode: string): Promise<HouseholdView> {
    await this.writes.write(actor, async (tx) => {
      const household = await this.lock(tx, actor.principal.orgUnit, code);
      const house = await this.houseIn(tx.client, actor.principal.orgUnit, houseCode, 'houseCode');
      if (house.code === household.house_code) throw DomainError.validation([{ field: 'houseCode', message: `the household already lives in house ${house.code}` }]);
      await tx.client.query(`UPDATE ${this.t('households')} SET house_code = $2, grid_code = $3, updated_at = now(), version = version + 1 WHERE code = $1`, [code, house.code, house.gridCode]);
      await tx.record('household', code, house.gridCode, 'moved', 'move', {
        house_code: { from: household.house_code, to: house.code },
        ...(house.gridCode !== household.grid_code && { grid_code: { from: household.grid_code, to: house.gridCode } }),
      });
      if (house.gridCode !== household.grid_code) await this.moveMembers(tx, await this.members(tx, code), house.gridCode, code, 'move-with-household');
    });
    return this.get(actor.principal.orgUnit, code);
  }

  /**
   * Some members form a household of their own (分户), in the same house or another of the unit;
   * the rest stay. Every named resident must be an active member, and at least one must stay.
   */
  async split(actor: Actor, code: string, residentIds: readonly string[], houseCode?: string): Promise<{ from: HouseholdView; to: HouseholdView }> {
    const scope = actor.principal.orgUnit;
    const newCode = await this.writes.write(actor, async (tx) => {
      const household = await this.lock(tx, scope, code);
      const members = await this.members(tx, code);
      const ids = new Set(members.map((m) => m.id));
      const strangers = residentIds.filter((id) => !ids.has(id));
      if (strangers.length > 0) throw DomainError.validation([{ field: 'residentIds', message: `not active members of household ${code}: ${strangers.join(', ')}` }]);
      if (new Set(residentIds).size === members.length) throw DomainError.validation([{ field: 'residentIds', message: 'at least one member must stay in the household' }]);
      const house = houseCode ? await this.houseIn(tx.client, scope, houseCode, 'houseCode') : { code: household.house_code, gridCode: household.grid_code };
      const newCode = await this.nextCode(tx.client, house.code);
      await tx.client.query(`INSERT INTO ${this.t('households')} (code, house_code, grid_code) VALUES ($1, $2, $3)`, [newCode, house.code, house.gridCode]);
      await tx.record('household', newCode, house.gridCode, 'added', 'split-from', { house_code: house.code, grid_code: house.gridCode, split_from: code });
      await tx.record('household', code, household.grid_code, 'split', 'split', { split_into: newCode, members_moved: residentIds.length });
      const moving = members.filter((m) => residentIds.includes(m.id));
      await tx.client.query(`UPDATE ${this.t('residents')} SET household_code = $2, grid_code = $3, updated_at = now(), version = version + 1 WHERE id = ANY($1::uuid[])`, [
        moving.map((m) => m.id),
        newCode,
        house.gridCode,
      ]);
      for (const m of moving) {
        await tx.resident(m.id, house.gridCode, 'moved', 'split', {
          household_code: { from: code, to: newCode },
          ...(m.grid_code !== house.gridCode && { grid_code: { from: m.grid_code, to: house.gridCode } }),
        });
      }
      return newCode;
    });
    return { from: await this.get(scope, code), to: await this.get(scope, newCode) };
  }

  /** The whole household leaves the area (迁出) on a date: each active member is recorded as left; the household stays, empty. */
  async leave(actor: Actor, code: string, date: string, reason?: string): Promise<HouseholdView> {
    if (date > new Date().toISOString().slice(0, 10)) throw DomainError.validation([{ field: 'date', message: 'lies in the future' }]);
    await this.writes.write(actor, async (tx) => {
      const household = await this.lock(tx, actor.principal.orgUnit, code);
      const members = await this.members(tx, code);
      if (members.length === 0) throw DomainError.validation([{ field: 'code', message: `household ${code} has no active members` }]);
      await tx.client.query(`UPDATE ${this.t('residents')} SET status = 'left', status_since = $2, updated_at = now(), version = version + 1 WHERE id = ANY($1::uuid[])`, [
        members.map((m) => m.id),
        date,
      ]);
      await tx.record('household', code, household.grid_code, 'left', 'leave', { members_left: members.length, date, ...(reason && { reason }) });
      for (const m of members) await tx.resident(m.id, m.grid_code, 'left', 'leave-with-household', { status: { from: 'active', to: 'left' }, status_since: date, household_code: code });
    });
    return this.get(actor.principal.orgUnit, code);
  }

  private async lock(tx: WriteTx, scope: string, code: string): Promise<{ house_code: string; grid_code: string }> {
    const row = (await tx.client.query<{ house_code: string; grid_code: string }>(`SELECT house_code, grid_code FROM ${this.t('households')} WHERE code = $1 FOR UPDATE`, [code])).rows[0];
    if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('HOUSEHOLD.NOT_FOUND', `no household ${code}`);
    tx.owned(row.grid_code);
    return row;
  }

  private async members(tx: WriteTx, code: string): Promise<Member[]> {
    return (await tx.client.query<Member>(`SELECT id, grid_code FROM ${this.t('residents')} WHERE household_code = $1 AND status = 'active' ORDER BY id FOR UPDATE`, [code])).rows;
  }

  private async moveMembers(tx: WriteTx, members: readonly Member[], gridCode: string, household: string, history: string): Promise<void> {
    await tx.client.query(`UPDATE ${this.t('residents')} SET grid_code = $2, updated_at = now(), version = version + 1 WHERE id = ANY($1::uuid[])`, [members.map((m) => m.id), gridCode]);
    for (const m of members) await tx.resident(m.id, gridCode, 'moved', history, { grid_code: { from: m.grid_code, to: gridCode }, household_code: household });
  }

  /** A house of the caller's unit, or a 400 naming the field (a house elsewhere is not told apart from none). */
  private async houseIn(client: WriteTx['client'], scope: string, code: string, field: string): Promise<{ code: string; gridCode: string }> {
    const row = (await client.query<{ code: string; grid_code: string }>(`SELECT code, grid_code FROM ${this.t('houses')} WHERE code = $1`, [code])).rows[0];
    if (!row || !isWithinScope(scope, row.grid_code)) throw DomainError.validation([{ field, message: `no house ${code} in your unit` }]);
    return { code: row.code, gridCode: row.grid_code };
  }

  /** `<house>-H<n>`, n one more than the highest of the house (the house row is locked meanwhile). */
  private async nextCode(client: WriteTx['client'], houseCode: string): Promise<string> {
    await client.query(`SELECT 1 FROM ${this.t('houses')} WHERE code = $1 FOR UPDATE`, [houseCode]);
    const [row] = (
      await client.query<{ n: number | null }>(`SELECT max(substring(code FROM '-H([0-9]+)$')::int) AS n FROM ${this.t('households')} WHERE code LIKE $1`, [`${houseCode.replace(/[\\%_]/g, '\\$&')}-H%`])
    ).rows;
    return `${houseCode}-H${(row?.n ?? 0) + 1}`;
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('household', code);
  }
}

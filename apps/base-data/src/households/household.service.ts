import { Injectable } from '@nestjs/common';
import { DomainError, type HouseholdPage, type HouseholdView } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { RecordWrites, type Actor, type WriteTx } from '../records/record-writes';
import { HouseholdRepository, type Member } from './household.repository';

/**
 * Households (户): registered in a house, moving to another house (their members with them),
 * split in two, or leaving the area (every member recorded as left). Codes are the house's code
 * and `-H<n>`, as the district's files have them.
 */
@Injectable()
export class HouseholdService {
  constructor(
    private readonly households: HouseholdRepository,
    private readonly writes: RecordWrites,
  ) {}

  list(f: { scope: string; houseCode?: string | undefined; cursor?: string | undefined; limit: number }): Promise<HouseholdPage> {
    return this.households.page(f);
  }

  async get(scope: string, code: string): Promise<HouseholdView> {
    const row = await this.households.byCode(code);
    if (!row || !isWithinScope(scope, row.gridCode)) throw new DomainError('HOUSEHOLD.NOT_FOUND', `no household ${code}`);
    const members = await this.households.members(code);
    return { ...row, members };
  }

  /** A new, empty household in a house of the caller's unit; residents then move in (`POST /residents/{id}/move`) or are registered into it. */
  async create(actor: Actor, houseCode: string): Promise<HouseholdView> {
    const code = await this.writes.write(actor, async ({ client, record }) => {
      const house = await this.houseIn(client, actor.principal.orgUnit, houseCode, 'houseCode');
      const code = await this.nextCode(client, house.code);
      await this.households.insert(client, { code, houseCode: house.code, gridCode: house.gridCode });
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
      await this.households.setHouse(tx.client, code, house.code, house.gridCode);
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
      await this.households.insert(tx.client, { code: newCode, houseCode: house.code, gridCode: house.gridCode });
      await tx.record('household', newCode, house.gridCode, 'added', 'split-from', { house_code: house.code, grid_code: house.gridCode, split_from: code });
      await tx.record('household', code, household.grid_code, 'split', 'split', { split_into: newCode, members_moved: residentIds.length });
      const moving = members.filter((m) => residentIds.includes(m.id));
      await this.households.moveResidents(tx.client, moving.map((m) => m.id), newCode, house.gridCode);
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
      await this.households.residentsLeft(tx.client, members.map((m) => m.id), date);
      await tx.record('household', code, household.grid_code, 'left', 'leave', { members_left: members.length, date, ...(reason && { reason }) });
      for (const m of members) await tx.resident(m.id, m.grid_code, 'left', 'leave-with-household', { status: { from: 'active', to: 'left' }, status_since: date, household_code: code });
    });
    return this.get(actor.principal.orgUnit, code);
  }

  private async lock(tx: WriteTx, scope: string, code: string): Promise<{ house_code: string; grid_code: string }> {
    const row = await this.households.lockForUpdate(tx.client, code);
    if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('HOUSEHOLD.NOT_FOUND', `no household ${code}`);
    tx.owned(row.grid_code);
    return row;
  }

  private async members(tx: WriteTx, code: string): Promise<Member[]> {
    return this.households.lockMembers(tx.client, code);
  }

  private async moveMembers(tx: WriteTx, members: readonly Member[], gridCode: string, household: string, history: string): Promise<void> {
    await this.households.setResidentsGrid(tx.client, members.map((m) => m.id), gridCode);
    for (const m of members) await tx.resident(m.id, gridCode, 'moved', history, { grid_code: { from: m.grid_code, to: gridCode }, household_code: household });
  }

  /** A house of the caller's unit, or a 400 naming the field (a house elsewhere is not told apart from none). */
  private async houseIn(client: WriteTx['client'], scope: string, code: string, field: string): Promise<{ code: string; gridCode: string }> {
    const row = await this.households.house(client, code);
    if (!row || !isWithinScope(scope, row.grid_code)) throw DomainError.validation([{ field, message: `no house ${code} in your unit` }]);
    return { code: row.code, gridCode: row.grid_code };
  }

  /** `<house>-H<n>`, n one more than the highest of the house (the house row is locked meanwhile). */
  private async nextCode(client: WriteTx['client'], houseCode: string): Promise<string> {
    await this.households.lockHouse(client, houseCode);
    const n = await this.households.highestSerial(client, houseCode);
    return `${houseCode}-H${(n ?? 0) + 1}`;
  }

  async history(scope: string, code: string) {
    await this.get(scope, code);
    return this.writes.history('household', code);
  }
}

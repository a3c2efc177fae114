import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { z } from 'zod';
import {
  CHANGE_PROPOSAL_KINDS,
  DomainError,
  FOCUS_CLASSES,
  RESIDENT_TAGS,
  toFieldErrors,
  type ChangeProposalKind,
  type ChangeProposalPage,
  type ChangeProposalView,
} from '@gm/contracts';
import { idNumberProblem, isWithinScope, maskIdNumber } from '@gm/domain';
import { JsonLogger } from '@gm/telemetry';
import { RecordVersions } from '../replication/record-versions';
import { HouseService } from '../houses/house.service';
import { HouseholdService } from '../households/household.service';
import { PiiCipher } from '../privacy/pii-cipher';
import type { Actor } from '../records/record-writes';
import { addBody, endBody } from '../residents/resident-bodies';
import { ID_PROBLEMS, ResidentService } from '../residents/resident.service';
import { ChangeProposalRepository, type ChangeProposalRow as Row } from './change-proposal.repository';

const residentId = z.uuid('residentId must be a UUID');
/** The body of each kind: what the write API it becomes takes. */
const BODIES = {
  newcomer: addBody,
  birth: addBody,
  'moved-out': endBody.extend({ residentId }).strict(),
  death: endBody.extend({ residentId }).strict(),
  'rented-out': z.object({ houseCode: z.string().trim().min(1, 'houseCode is required').max(80) }).strict(),
  'focus-person': z.object({ residentId, focusClass: z.enum(FOCUS_CLASSES), tags: z.array(z.enum(RESIDENT_TAGS)).max(RESIDENT_TAGS.length).optional() }).strict(),
} satisfies Record<ChangeProposalKind, z.ZodType>;

export const proposeBody = z
  .object({
    clientId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientId must be 8–64 letters, digits, "-" or "_" (a UUID works)'),
    kind: z.enum(CHANGE_PROPOSAL_KINDS),
    body: z.unknown(),
  })
  .strict();
export type ProposeBody = z.infer<typeof proposeBody>;

/**
 * Change proposals: a grid worker reports what changed on the ground (a newcomer, a move out, a
 * birth or a death, a house let to tenants, a focus person); community staff confirm it, and it is
 * applied through base-data's own write services as the confirming staff (validation, history, the
 * change event, the version that travels to the other tiers), or reject it, and nothing changes.
 * The body as sent may hold a newcomer's ID number, name and phone: it is kept sealed (AES-GCM, the
 * district key ring); lists show a summary with those masked.
 */
@Injectable()
export class ChangeProposalService {
  constructor(
    private readonly proposals: ChangeProposalRepository,
    private readonly cipher: PiiCipher,
    private readonly residents: ResidentService,
    private readonly households: HouseholdService,
    private readonly houses: HouseService,
    private readonly versions: RecordVersions,
    private readonly logger: JsonLogger,
  ) {}

  /** Keeps a proposal (the same clientId again: the first one, unchanged). */
  async propose(actor: Actor, input: ProposeBody): Promise<ChangeProposalView> {
    const { principal } = actor;
    const earlier = await this.byClientId(principal.subject, input.clientId);
    if (earlier) {
      if (earlier.kind !== input.kind) throw new DomainError('CASE.IDEMPOTENCY_CONFLICT', `clientId ${input.clientId} was used for a ${earlier.kind} proposal`, [{ field: 'clientId', message: `already used for a ${earlier.kind} proposal` }]);
      return viewOf(earlier);
    }
    const parsed = BODIES[input.kind].safeParse(input.body);
    if (!parsed.success) throw DomainError.validation(toFieldErrors(parsed.error.issues, 'body'));
    const body = parsed.data as Record<string, unknown>;
    const scope = principal.orgUnit;
    const { gridCode, summary } = await this.locate(scope, input.kind, body);
    const id = randomUUID();
    await this.proposals.transaction(async (client) => {
      const inserted = await this.proposals.insert(client, {
        id,
        clientId: input.clientId,
        proposerSubject: principal.subject,
        proposerUsername: principal.username ?? principal.subject,
        kind: input.kind,
        gridCode,
        summary,
        bodyBox: this.cipher.sealProposal(body),
      });
      // In a federation, made at a grid's own instance, it goes up to the tier that keeps the grid's records, whose staff decide it.
      if (inserted) await this.versions.publish(client, 'change-proposal', [id]);
    });
    this.logger.event('info', 'base_data.proposed', { kind: input.kind, gridCode }, 'ChangeProposalService');
    return viewOf((await this.byClientId(principal.subject, input.clientId))!);
  }

  /** The grid of a household or a resident of the caller's unit (HOUSEHOLD/RESIDENT.NOT_FOUND outside it). */
  async gridOf(scope: string, record: { householdCode: string } | { residentId: string }): Promise<string> {
    return 'householdCode' in record ? (await this.households.get(scope, record.householdCode)).gridCode : (await this.residents.get(scope, record.residentId)).gridCode;
  }

  async list(scope: string, filter: { status?: string | undefined; unit?: string | undefined; limit: number; before?: string | undefined }): Promise<ChangeProposalPage> {
    const unit = filter.unit ?? scope;
    if (!isWithinScope(scope, unit)) throw new DomainError('AUTH.OUT_OF_SCOPE', `unit ${unit} is outside your unit ${scope}`);
    const rows = await this.proposals.page({ unit, status: filter.status, before: filter.before, limit: filter.limit });
    const items = rows.slice(0, filter.limit).map(viewOf);
    return { items, nextCursor: rows.length > filter.limit ? items.at(-1)!.proposedAt : null };
  }

  async get(scope: string, id: string): Promise<ChangeProposalView> {
    return viewOf(await this.inScope(scope, id));
  }

  /** Applies the proposal through the write services, as the confirming staff; the proposal records what it changed. */
  async confirm(actor: Actor, id: string, note?: string): Promise<ChangeProposalView> {
    const row = await this.inScope(actor.principal.orgUnit, id);
    if (row.status !== 'pending') throw new DomainError('PROPOSAL.DECIDED', `the proposal was ${row.status} by ${row.decided_by ?? 'someone'}`);
    const body = this.cipher.openProposal(row.body_box) as Record<string, unknown>;
    const applied = await this.apply(actor, row.kind, body);
    const who = `${actor.principal.username ?? actor.principal.subject} (${actor.role})`;
    const updated = await this.decided(id, (client) => this.proposals.confirm(client, id, who, note ?? null, applied));
    if (updated.length === 0) throw new DomainError('PROPOSAL.DECIDED', 'the proposal was decided by someone else meanwhile');
    await this.history(id, 'confirmed', who, { kind: row.kind, proposer: row.proposer_username, applied });
    return viewOf(updated[0]!);
  }

  async reject(actor: Actor, id: string, reason: string): Promise<ChangeProposalView> {
    const row = await this.inScope(actor.principal.orgUnit, id);
    if (row.status !== 'pending') throw new DomainError('PROPOSAL.DECIDED', `the proposal was ${row.status} by ${row.decided_by ?? 'someone'}`);
    const who = `${actor.principal.username ?? actor.principal.subject} (${actor.role})`;
    const updated = await this.decided(id, (client) => this.proposals.reject(client, id, who, reason));
    if (updated.length === 0) throw new DomainError('PROPOSAL.DECIDED', 'the proposal was decided by someone else meanwhile');
    await this.history(id, 'rejected', who, { kind: row.kind, proposer: row.proposer_username, reason });
    return viewOf(updated[0]!);
  }

  /** Records a decision as the proposal's next version, which goes back down to the grid's own instance (if it has one). */
  private async decided(id: string, decide: (client: pg.PoolClient) => Promise<Row[]>): Promise<Row[]> {
    const rows = await this.proposals.transaction(async (client) => {
      const r = await decide(client);
      if (r.length > 0) await this.versions.publish(client, 'change-proposal', [id]);
      return r;
    });
    return rows;
  }

  private async apply(actor: Actor, kind: ChangeProposalKind, body: Record<string, unknown>): Promise<{ kind: string; key: string }> {
    switch (kind) {
      case 'newcomer':
      case 'birth': {
        const b = addBody.parse(body);
        const r = await this.residents.add(actor, b);
        return { kind: 'resident', key: r.id };
      }
      case 'moved-out':
      case 'death': {
        const b = BODIES[kind].parse(body);
        await this.residents.end(actor, b.residentId, kind === 'death' ? 'deceased' : 'left', b.date, b.reason);
        return { kind: 'resident', key: b.residentId };
      }
      case 'rented-out': {
        const b = BODIES['rented-out'].parse(body);
        await this.houses.setUse(actor, b.houseCode, 'rented');
        return { kind: 'house', key: b.houseCode };
      }
      case 'focus-person': {
        const b = BODIES['focus-person'].parse(body);
        await this.residents.update(actor, b.residentId, { focusClass: b.focusClass, ...(b.tags && { tags: b.tags }) });
        return { kind: 'resident', key: b.residentId };
      }
    }
  }

  /** The grid a proposal concerns (the record must be in the proposer's unit), and its summary without personal data in clear. */
  private async locate(scope: string, kind: ChangeProposalKind, body: Record<string, unknown>): Promise<{ gridCode: string; summary: ChangeProposalView['summary'] }> {
    const notFound = (field: string, what: string) => DomainError.validation([{ field: `body.${field}`, message: `no ${what} in your unit` }]);
    switch (kind) {
      case 'newcomer':
      case 'birth': {
        // Checked now, so that staff are not asked to confirm what the register would refuse.
        const problem = idNumberProblem(String(body['idNumber']));
        if (problem) throw DomainError.validation([{ field: 'body.idNumber', message: ID_PROBLEMS[problem] }]);
        const household = await this.households.get(scope, String(body['householdCode'])).catch(() => {
          throw notFound('householdCode', 'such household');
        });
        const name = String(body['name']);
        return {
          gridCode: household.gridCode,
          summary: {
            householdCode: household.code,
            address: household.address,
            idNumber: maskIdNumber(String(body['idNumber'])),
            name: `${name.slice(0, 1)}${'*'.repeat(Math.max(1, name.length - 1))}`,
            relation: String(body['relation']),
            residenceType: String(body['residenceType']),
          },
        };
      }
      case 'moved-out':
      case 'death':
      case 'focus-person': {
        const resident = await this.residents.get(scope, String(body['residentId'])).catch(() => {
          throw notFound('residentId', 'such resident');
        });
        if (resident.status !== 'active') throw DomainError.validation([{ field: 'body.residentId', message: `the resident is recorded as ${resident.status}` }]);
        return {
          gridCode: resident.gridCode,
          summary: {
            residentId: resident.id,
            name: resident.name.slice(0, 1) + '*'.repeat(Math.max(1, resident.name.length - 1)),
            householdCode: resident.householdCode,
            ...(kind === 'focus-person' ? { focusClass: String(body['focusClass']), from: resident.focusClass } : { date: String(body['date']) }),
          },
        };
      }
      case 'rented-out': {
        const house = await this.houses.get(scope, String(body['houseCode'])).catch(() => {
          throw notFound('houseCode', 'such house');
        });
        return { gridCode: house.gridCode, summary: { houseCode: house.code, from: house.use, to: 'rented' } };
      }
    }
  }

  private async inScope(scope: string, id: string): Promise<Row> {
    const row = await this.proposals.byId(id);
    if (!row || !isWithinScope(scope, row.grid_code)) throw new DomainError('PROPOSAL.NOT_FOUND', `no change proposal ${id} in your unit`);
    return row;
  }

  private async byClientId(subject: string, clientId: string): Promise<Row | undefined> {
    return this.proposals.byClientId(subject, clientId);
  }

  private async history(id: string, action: string, actor: string, changes: Record<string, unknown>): Promise<void> {
    await this.proposals.addHistory(id, action, actor, changes);
  }
}

function viewOf(r: Row): ChangeProposalView {
  return {
    id: r.id,
    clientId: r.client_id,
    kind: r.kind,
    status: r.status,
    gridCode: r.grid_code,
    proposer: r.proposer_username,
    proposedAt: new Date(r.created_at).toISOString(),
    summary: r.summary,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    note: r.note,
    applied: r.applied,
  };
}

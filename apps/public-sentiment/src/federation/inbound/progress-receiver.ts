import { Injectable } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { durableName, type CaseProgressedDownV1, type CaseProgressedUpV1, type CaseState, type CloudEvent, type OwnerStep } from '@gm/contracts';
import { Inbox } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { Case } from '../../cases/case.entity';
import { CaseRepository } from '../../cases/case.repository';
import { CaseChanges } from '../../cases/case-changes';
import type { StepTaken } from '../../cases/step-recorded';
import { timelineEntry } from '../../cases/timeline-entry';
import { TierPosition } from '../../tier/tier-position';
import { FederationOutbound } from '../federation-outbound';
import { UPLINK_DURABLE } from './escalation-receiver';
import { LocalEvents } from './local-events';

export const DOWNLINK_DURABLE = durableName('public-sentiment', 'downlink');

/** States of the owner's copy that end the case for the tiers below too. */
const MIRRORED_FINAL: readonly CaseState[] = ['closed', 'voided'];

/**
 * Steps on a case taken at another tier that holds it: from the parent that owns an escalated case
 * (`gm.case.progressed-down.v1`, or the case assigned back here), and from a child this tier
 * assigned a case back to (`gm.case.progressed-up.v1`). Each is mirrored on this tier's copy, told
 * to its reporter and subscribers, and passed on to the next tier that holds a copy.
 */
@Injectable()
export class ProgressReceiver {
  constructor(
    private readonly position: TierPosition,
    private readonly orm: MikroORM,
    private readonly inbox: Inbox,
    private readonly cases: CaseRepository,
    private readonly changes: CaseChanges,
    private readonly outbound: FederationOutbound,
    private readonly local: LocalEvents,
    private readonly logger: JsonLogger,
  ) {}

  /** A step at the tier that owns an escalated case: mirrored on this copy, told to its reporter, passed on down. */
  async fromParent(event: CloudEvent<CaseProgressedDownV1>): Promise<void> {
    const d = event.data;
    let applied: Case | undefined;
    await this.orm.em.fork().transactional(async (tx) => {
      if (!(await this.inbox.claim(tx, DOWNLINK_DURABLE, event.id, event.type))) return;
      const c = await this.cases.findForUpdate(tx, d.caseId);
      if (!c || c.escalatedTo === null) {
        this.logger.event('warn', 'federation.unknown_case', { eventId: event.id, caseId: d.caseId }, 'FederationInbound');
        return;
      }
      if (d.action === 'assign_back' && d.ownerTier === this.position.tier) await this.takeBack(tx, c, d);
      else this.outbound.progressDown(tx, c, await this.mirror(tx, c, d, 'escalated'));
      applied = c;
    });
    if (!applied) return;
    this.logger.event('info', 'federation.case_progressed', { caseId: applied.id, action: d.action, upstreamState: d.to, ownerTier: d.ownerTier }, 'FederationInbound');
  }

  /**
   * A step at the child this tier assigned a case back to (or further down, passed up by it):
   * mirrored on the copy that follows it, told to this tier's subscribers, and passed on up when
   * the tier above follows this copy too.
   */
  async fromChild(event: CloudEvent<CaseProgressedUpV1>): Promise<void> {
    const d = event.data;
    if (d.to !== this.position.tier) {
      this.logger.event('warn', 'federation.misrouted', { eventId: event.id, to: d.to }, 'FederationInbound');
      return;
    }
    let applied: Case | undefined;
    await this.orm.em.fork().transactional(async (tx) => {
      if (!(await this.inbox.claim(tx, UPLINK_DURABLE, event.id, event.type))) return;
      const found = await tx.findOne(Case, { sourceTier: d.from.tier, sourceCaseId: d.from.caseId });
      const c = found ? await this.cases.findForUpdate(tx, found.id) : null;
      if (!c || c.ownerTier === null) {
        this.logger.event('warn', 'federation.unknown_case', { eventId: event.id, caseId: d.from.caseId, fromTier: d.from.tier }, 'FederationInbound');
        return;
      }
      this.outbound.progressUp(tx, c, await this.mirror(tx, c, d.step, 'assigned_back'));
      applied = c;
    });
    if (!applied) return;
    this.logger.event('info', 'federation.case_progressed', { caseId: applied.id, action: d.step.action, ownerState: d.step.to, ownerTier: d.step.ownerTier, from: 'child' }, 'FederationInbound');
  }

  /**
   * A step at the owning tier, on this copy that follows it: the copy takes over the owner and its
   * state (`following` while the case is open there; closed or voided when it is), a timeline
   * entry with the acting tier, and this tier's own event for its reporter and subscribers.
   * Returns the step to pass on to the next tier that holds a copy.
   */
  private async mirror(tx: EntityManager, c: Case, s: OwnerStep, following: CaseState): Promise<StepTaken> {
    const before = c.state;
    c.ownerTier = s.ownerTier;
    c.upstreamState = s.to;
    c.state = MIRRORED_FINAL.includes(s.to) ? s.to : following;
    if (s.to === 'closed') c.closedAt = new Date(s.at);
    if (s.action === 'reopen') c.closedAt = null;
    const step: StepTaken = {
      action: s.action,
      from: s.from,
      to: s.to,
      at: new Date(s.at),
      role: s.actor.role,
      unit: s.actor.unit,
      note: s.note,
      evidenceCount: s.evidenceCount,
      attachments: s.attachments,
      assignee: s.assignee,
      actingTier: s.actingTier,
      deadlineAt: s.deadlineAt,
    };
    this.cases.add(
      tx,
      timelineEntry(c.id, {
        action: s.action,
        from: s.from,
        to: s.to,
        at: step.at,
        role: s.actor.role,
        unit: s.actor.unit,
        note: s.note ?? null,
        // The entry's `tier` is the acting tier, which holds the step's evidence.
        attachments: (s.attachments ?? []).filter((a) => a.tier === s.actingTier).map((a) => a.key),
        tier: s.actingTier,
        details: { ownerTier: s.ownerTier, localState: { from: before, to: c.state }, ...(s.assignee && { assignee: s.assignee }) },
      }),
    );
    await this.local.step(tx, c, step, { step: null, deadlineAt: s.deadlineAt });
    return step;
  }

  /**
   * The parent assigned the case back here (下派) with instructions: this tier owns it again,
   * dispatched to itself, its clock runs, and the parent's copy follows it (every step goes up).
   * The tiers below hear that the owner is this tier now.
   */
  private async takeBack(tx: EntityManager, c: Case, d: CaseProgressedDownV1): Promise<void> {
    const now = new Date();
    const before = c.state;
    c.state = 'dispatched';
    c.ownerTier = null;
    c.escalatedTo = null;
    c.upstreamState = null;
    c.followedBy = d.actingTier;
    c.assigneeKind = 'unit';
    c.assigneeCode = this.position.tier;
    c.escalationDue = false;
    this.changes.setClock(c, { kind: 'restart', step: 'handle' }, now);
    const step: StepTaken = {
      action: 'assign_back',
      from: before,
      to: c.state,
      at: new Date(d.at),
      role: d.actor.role,
      unit: d.actor.unit,
      note: d.note ?? null,
      assignee: { kind: 'unit', code: this.position.tier },
      actingTier: d.actingTier,
    };
    this.cases.add(
      tx,
      timelineEntry(c.id, {
        action: 'assign_back',
        from: before,
        to: c.state,
        at: step.at,
        role: d.actor.role,
        unit: d.actor.unit,
        note: d.note ?? null,
        tier: d.actingTier,
        details: { assignedBackBy: d.actingTier, deadlineAt: c.deadlineAt?.toISOString() ?? null },
      }),
    );
    await this.local.step(tx, c, step, { step: c.step, deadlineAt: c.deadlineAt?.toISOString() ?? null });
    // Down, the step as the owner's: from the parent's state to `dispatched` here.
    this.outbound.progressDown(tx, c, { ...step, from: d.from });
  }
}

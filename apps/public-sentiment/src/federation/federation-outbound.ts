import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Events, namespace, type AttachmentRef, type HistoryEntry, type OwnerStep, type Principal } from '@gm/contracts';
import { redactPersonalData } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import type { Case } from '../cases/case.entity';
import { CaseRepository, type TimelineStep } from '../cases/case.repository';
import type { CaseTransition } from '../cases/case-transition.entity';
import { CaseSteps, type StepListener, type StepRecorded, type StepTaken } from '../cases/step-recorded';
import { TierPosition } from '../tier/tier-position';

const FREE_TEXT_MAX = 2000;
const redact = (text: string, max = FREE_TEXT_MAX) => {
  const r = redactPersonalData(text.trim());
  return r.length <= max ? r : `${r.slice(0, max - 1)}…`;
};

/**
 * What a tier writes for other tiers, always through the outbox in the transaction of the change
 * itself: the escalation into UPLINK (`gm.<tier>.uplink.case-escalated.v1`, then sourced by the
 * parent), and each step on a case received from a child into DOWNLINK_<child>
 * (`gm.<child>.downlink.case-progressed.v1`, sourced by that child only).
 */
@Injectable()
export class FederationOutbound implements OnModuleInit, StepListener {
  constructor(
    private readonly position: TierPosition,
    private readonly outbox: Outbox,
    private readonly cases: CaseRepository,
    private readonly steps: CaseSteps,
  ) {}

  onModuleInit(): void {
    this.steps.listen(this);
  }

  /**
   * A step recorded here: an escalation goes up; a case received from a child tells the child (and
   * through it the origin) of every step; a case assigned back here tells the tiers above that follow it.
   */
  async stepRecorded(e: StepRecorded): Promise<void> {
    if (e.escalation) await this.escalate(e.tx, e.case, e.entry, e.principal, e.escalation.reason, e.escalation.target, e.escalation.earlier);
    this.progressDown(e.tx, e.case, e.step);
    this.progressUp(e.tx, e.case, e.step);
  }

  /**
   * The case's snapshot, history and attachment references, for the parent. `entry` is the
   * escalation's own timeline entry, not yet flushed; `earlier` the entries before it when the
   * caller already holds them all (a copy created in this same transaction has nothing stored).
   */
  async escalate(
    tx: EntityManager,
    c: Case,
    entry: CaseTransition,
    principal: Principal,
    reason: string,
    target: string,
    earlier?: readonly TimelineStep[],
  ): Promise<void> {
    const parent = this.position.parentOrFail();
    const here = this.position.tier;
    // The stored entries are read without flushing this transaction first: the pending entry is
    // appended here, and its row is written with the rest of the transaction at commit (should
    // something have flushed it already, its stored row is left out).
    const before = earlier ?? (await this.cases.storedTimeline(tx, c.id)).filter((e) => e.id !== entry.id);
    const timeline: TimelineStep[] = [...before, entry];
    const history: HistoryEntry[] = timeline.slice(-500).map((e) => ({
      tier: e.tier ?? here,
      action: e.action,
      from: e.fromState,
      to: e.toState,
      at: e.at.toISOString(),
      role: e.actorRole,
      unit: e.actorUnit,
      ...(e.note && { note: redact(e.note) }),
      attachments: e.attachments.slice(0, 50),
    }));
    const attachments: AttachmentRef[] = [];
    for (const e of timeline) for (const key of e.attachments) attachments.push({ tier: e.tier ?? here, key });
    const [longitude, latitude] = c.location.coordinates;
    const self = { tier: here, caseId: c.id, caseNo: c.caseNo };
    this.outbox.add(
      tx,
      Events.caseEscalatedUp,
      {
        origin: originOf(c) ?? self,
        from: self,
        to: parent,
        target,
        path: [...(c.tierPath ?? []), here],
        escalatedAt: entry.at.toISOString(),
        reason: redact(reason),
        actor: { subject: principal.subject, role: entry.actorRole, unit: principal.orgUnit },
        case: {
          categoryCode: c.categoryCode,
          urgency: c.urgency,
          triage: c.triage,
          gridCode: c.gridCode,
          location: { latitude, longitude },
          address: c.address ? redact(c.address, 500) : null,
          description: redact(c.description) || '(无描述 no description)',
          occurredAt: c.occurredAt?.toISOString() ?? null,
          reportedAt: c.reportedAt.toISOString(),
          channel: c.channel,
          reporter: { subject: c.reporterSubject, role: c.reporterRole, unit: c.reporterUnit },
          reworkCount: c.reworkCount,
          urgeCount: c.urgeCount,
        },
        history,
        attachments: attachments.slice(0, 200),
      },
      c.id,
    );
  }

  /**
   * Sends a step up to the parent whose copy follows this case since it assigned the case back here
   * (nothing otherwise).
   */
  progressUp(tx: EntityManager, c: Case, step: StepTaken): void {
    if (!c.followedBy) return;
    const self = { tier: this.position.tier, caseId: c.id, caseNo: c.caseNo };
    this.outbox.add(tx, Events.caseProgressedUp, { from: self, to: c.followedBy, origin: originOf(c) ?? self, step: this.ownerStep(c, step) }, c.id);
  }

  /** Sends a step down to the child the case came from (nothing for a case that began here). */
  progressDown(tx: EntityManager, c: Case, step: StepTaken): void {
    const origin = originOf(c);
    if (!c.sourceTier || !c.sourceCaseId || !origin) return;
    this.outbox.addFor(tx, namespace(c.sourceTier), Events.caseProgressedDown, { caseId: c.sourceCaseId, origin, ...this.ownerStep(c, step) }, c.sourceCaseId);
  }

  private ownerStep(c: Case, step: StepTaken): OwnerStep {
    return {
      ownerTier: c.ownerTier ?? this.position.tier,
      actingTier: step.actingTier,
      action: step.action,
      from: step.from,
      to: step.to,
      at: step.at.toISOString(),
      actor: { role: step.role, unit: step.unit },
      ...(step.note && { note: redact(step.note) }),
      ...(step.evidenceCount !== undefined && { evidenceCount: step.evidenceCount }),
      ...(step.attachments && step.attachments.length > 0 && { attachments: step.attachments.slice(0, 20) }),
      ...(step.assignee && { assignee: step.assignee }),
      deadlineAt: step.deadlineAt !== undefined ? step.deadlineAt : (c.deadlineAt?.toISOString() ?? null),
    };
  }
}

/** Where a copy received from a child began (null for a case that began here). */
function originOf(c: Case): { tier: string; caseId: string; caseNo: string } | null {
  return c.originTier && c.originCaseId ? { tier: c.originTier, caseId: c.originCaseId, caseNo: c.originCaseNo ?? c.caseNo } : null;
}

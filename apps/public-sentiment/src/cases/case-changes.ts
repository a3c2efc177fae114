import { Injectable } from '@nestjs/common';
import type { CaseActionBody, Principal } from '@gm/contracts';
import { nextStepClock, type ClockEffect, type StepClock, type TransitionDecision } from '@gm/domain';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { TierPosition } from '../tier/tier-position';
import type { Case } from './case.entity';

/**
 * What a decision of the workflow does to a case entity: its state, owner, counters and step clock.
 * Used by the workflow, at intake (a report closed on the spot) and by federation (a copy's clock).
 */
@Injectable()
export class CaseChanges {
  constructor(
    private readonly rules: CaseRulesProvider,
    private readonly position: TierPosition,
  ) {}

  /**
   * Applies a decision to the entity (state, clock, counters). Also used at intake, where the case
   * is new and an on-the-spot report is closed in the same transaction.
   */
  apply(c: Case, decision: TransitionDecision, body: CaseActionBody, principal: Principal, now: Date): void {
    c.state = decision.to;
    if (decision.rework) c.reworkCount += 1;
    switch (decision.action) {
      case 'accept':
        c.ownerSubject = principal.subject;
        break;
      case 'dispatch':
        c.assigneeKind = body.assignee!.kind;
        c.assigneeCode = body.assignee!.code;
        break;
      case 'hold':
        c.heldFrom = decision.from;
        break;
      case 'resume':
        c.heldFrom = null;
        break;
      case 'urge':
        c.urgeCount += 1;
        break;
      case 'request_extension':
        c.pendingExtensionMinutes = body.extensionMinutes!;
        break;
      case 'approve_extension':
      case 'deny_extension':
        c.pendingExtensionMinutes = null;
        break;
      case 'merge':
        c.primaryCaseId = body.primaryCaseId!;
        break;
      case 'rate':
        c.rating = body.rating!;
        c.ratingComment = body.comment ?? null;
        break;
      case 'escalate':
        c.escalatedTo = this.position.parentOrFail();
        c.ownerTier = c.escalatedTo;
        c.upstreamState = null;
        // The parent owns it now: it no longer follows this copy (should it have assigned it back before).
        c.followedBy = null;
        break;
      case 'assign_back':
        // The child owns it again, dispatched to it; this copy follows it (its steps come up).
        c.ownerTier = c.sourceTier;
        c.assigneeKind = 'unit';
        c.assigneeCode = c.sourceTier;
        c.upstreamState = 'dispatched';
        break;
      case 'reopen':
        c.closedAt = null;
        c.rating = null;
        c.ratingComment = null;
        break;
      default:
        break;
    }
    if (decision.to === 'closed' && decision.from !== 'closed') c.closedAt = now;
    this.setClock(c, decision.clock, now);
  }

  /** Moves the case's step clock by `effect` and stores the instants the lists and the scheduler use. */
  setClock(c: Case, effect: ClockEffect, now: Date): void {
    const next = nextStepClock(this.rules.clock, this.rules.rules, clockOf(c), effect, c, now);
    if (effect.kind === 'restart') c.stepSeq += 1;
    c.step = next?.step ?? null;
    c.stepClock = next?.clock ?? null;
    c.stepStartedAt = next?.startedAt ?? null;
    c.stepLimitMinutes = next?.limitMinutes ?? null;
    c.stepPausedMinutes = next?.pausedMinutes ?? 0;
    c.heldAt = next?.heldAt ?? null;
    c.escalateAfterMinutes = next?.escalateAfterMinutes ?? null;
    const times = next ? this.rules.clock.times(next) : null;
    c.yellowAt = times?.yellowAt ?? null;
    c.deadlineAt = times?.deadlineAt ?? null;
    c.escalateAt = times?.escalateAt ?? null;
  }
}

export function snapshotOf(c: Case) {
  return {
    state: c.state,
    reporterSubject: c.reporterSubject,
    heldFrom: c.heldFrom,
    closedAt: c.closedAt,
    rating: c.rating,
    pendingExtensionMinutes: c.pendingExtensionMinutes,
  };
}

function clockOf(c: Case): StepClock | null {
  if (!c.step || !c.stepClock || !c.stepStartedAt || c.stepLimitMinutes === null) return null;
  return {
    step: c.step,
    clock: c.stepClock,
    startedAt: c.stepStartedAt,
    limitMinutes: c.stepLimitMinutes,
    pausedMinutes: c.stepPausedMinutes,
    heldAt: c.heldAt,
    escalateAfterMinutes: c.escalateAfterMinutes,
  };
}

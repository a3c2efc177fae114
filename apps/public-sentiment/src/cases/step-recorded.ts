import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Assignee, AttachmentRef, CaseAction, CaseState, Principal } from '@gm/contracts';
import type { Case } from './case.entity';
import type { CaseTransition } from './case-transition.entity';
import type { TimelineStep } from './case.repository';

/** A step taken on a case, as the other tiers that hold a copy hear of it. */
export interface StepTaken {
  readonly action: CaseAction;
  readonly from: CaseState;
  /** The case's state at the tier that owns it after the step (for an assign-back: `dispatched`, at the child). */
  readonly to: CaseState;
  readonly at: Date;
  readonly role: string;
  readonly unit: string;
  readonly note?: string | null | undefined;
  readonly evidenceCount?: number | undefined;
  /** The step's evidence, by reference (held by the acting tier). */
  readonly attachments?: readonly AttachmentRef[] | undefined;
  readonly assignee?: Assignee | undefined;
  /** The tier that took the step (this one, or the owner above when a mirrored step is passed on). */
  readonly actingTier: string;
  /** The owner's deadline, when a mirrored step is passed on (else this copy's own). */
  readonly deadlineAt?: string | null | undefined;
}

/**
 * "A step was recorded on a case": raised by the workflow inside the step's transaction, after the
 * case, its timeline entry and its event are written. What listens (federation: the escalation to
 * the parent, the step to the tiers that hold a copy) writes in the same transaction, through `tx`.
 */
export interface StepRecorded {
  readonly tx: EntityManager;
  readonly case: Case;
  /** The step's own timeline entry (not yet flushed). */
  readonly entry: CaseTransition;
  readonly principal: Principal;
  readonly step: StepTaken;
  /** For an escalation: why, to which tier, and the case's timeline entries stored before this one. */
  readonly escalation?: { readonly reason: string; readonly target: string; readonly earlier: readonly TimelineStep[] | undefined };
}

export interface StepListener {
  stepRecorded(event: StepRecorded): Promise<void>;
}

/**
 * The in-process channel of "step recorded" (issue 18: cases/ knows nothing of federation/): a
 * listener registers at start; the workflow awaits every listener, in registration order, within
 * the transaction, so that a listener's failure rolls the step back with it.
 */
@Injectable()
export class CaseSteps {
  private readonly listeners: StepListener[] = [];

  listen(listener: StepListener): void {
    this.listeners.push(listener);
  }

  async recorded(event: StepRecorded): Promise<void> {
    for (const l of this.listeners) await l.stepRecorded(event);
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Events, type CaseEscalatedUpV1 } from '@gm/contracts';
import { TRANSITIONS } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import type { Case } from '../../cases/case.entity';
import { stepData } from '../../cases/case-payloads';
import { CaseRepository } from '../../cases/case.repository';
import type { StepTaken } from '../../cases/step-recorded';
import { TierPosition } from '../../tier/tier-position';

/** The step and deadline to show with a step taken elsewhere. */
export interface LocalClock {
  readonly step: Case['step'];
  readonly deadlineAt: string | null;
  /** For an escalation that reached this tier. */
  readonly escalatedTo?: string;
}

/** This tier's own events of what federation brought in, for its reporters and subscribers. */
@Injectable()
export class LocalEvents {
  constructor(
    private readonly outbox: Outbox,
    private readonly cases: CaseRepository,
    private readonly position: TierPosition,
  ) {}

  /**
   * `gm.case.<action>.v1` of a step taken at another tier (with `actingTier`). `clock`: this copy's
   * own step and deadline when it owns the case, else the owner's deadline.
   */
  async step(tx: EntityManager, c: Case, step: StepTaken, clock: LocalClock): Promise<void> {
    this.outbox.add(
      tx,
      Events[TRANSITIONS[step.action].event],
      stepData(c, {
        action: step.action,
        from: step.from,
        to: step.to,
        at: step.at,
        actor: { subject: `tier:${step.actingTier}`, role: step.role },
        reporters: await this.cases.reportersOf(tx, c),
        note: step.note,
        step: clock.step,
        deadlineAt: clock.deadlineAt,
        assignee: step.assignee,
        evidenceCount: step.evidenceCount,
        actingTier: step.actingTier,
        escalatedTo: clock.escalatedTo,
      }),
      c.id,
    );
  }

  /** `gm.case.received.v1`, naming the case's attachments held by other tiers. */
  received(tx: EntityManager, c: Case, d: CaseEscalatedUpV1, ownedHere: boolean, now: Date): void {
    this.outbox.add(
      tx,
      Events.caseReceived,
      {
        caseId: c.id,
        caseNo: c.caseNo,
        gridCode: c.gridCode,
        from: d.from.tier,
        origin: d.origin,
        ownedHere,
        attachments: d.attachments.filter((a) => a.tier !== this.position.tier),
        receivedAt: now.toISOString(),
      },
      c.id,
    );
  }
}

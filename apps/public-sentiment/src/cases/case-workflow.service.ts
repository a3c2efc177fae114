import { Inject, Injectable } from '@nestjs/common';
import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { DomainError, Events, type Assignee, type CaseAction, type CaseActionBody, type CoveredWorker, type Principal, type Role } from '@gm/contracts';
import {
  availableActions,
  decideTransition,
  isOpenState,
  inSameCommunity,
  isWithinScope,
  withinDepartment,
  OrgUnitCode,
  TRANSITIONS,
  type TransitionDecision,
} from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { GroupCommitQueue, point, type ItemOutcome } from '@gm/persistence';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { TierPosition } from '../tier/tier-position';
import { CaseSteps, type StepTaken } from './step-recorded';
import { Case } from './case.entity';
import type { AppConfig } from '../config/config';
import { batchTransaction } from './batch-transaction';
import { CaseRepository, type TimelineStep } from './case.repository';
import { decisionDetails, timelineEntry } from './timeline-entry';
import { stepData } from './case-payloads';
import { caseView, type CaseView } from './case-view';
import { CaseChanges, snapshotOf } from './case-changes';

/** One action asked for, with the trace context of the request that asked. */
/**
 * A case dispatched to a worker the caller covers now (A/B posts), in that worker's grid, of the
 * caller's own community: the caller may act on it as on their own.
 */
function isCovered(principal: Principal, covering: readonly CoveredWorker[] | undefined, c: Case): boolean {
  return !!covering?.some((w) => w.gridCode === c.gridCode && inSameCommunity(w.gridCode, principal.orgUnit) && c.assigneeKind === 'worker' && c.assigneeCode === w.subject);
}

interface ActionRequest {
  readonly principal: Principal;
  readonly caseId: string;
  readonly action: CaseAction;
  readonly body: CaseActionBody;
  /** Workers the caller covers now (A/B posts): their cases in their grids are the caller's to act on too. */
  readonly covering?: readonly CoveredWorker[] | undefined;
  readonly ctx: Context;
}

/**
 * Runs the workflow: loads a case under a row lock, asks libs/domain whether the action may
 * happen, and stores the new state, the step clock, the timeline entry and the event in one
 * transaction (shared by the actions that arrived together under load: ADR 0009).
 */
@Injectable()
export class CaseWorkflowService {
  private readonly queue: GroupCommitQueue<ActionRequest, CaseView>;

  constructor(
    private readonly orm: MikroORM,
    private readonly cases: CaseRepository,
    private readonly outbox: Outbox,
    private readonly rules: CaseRulesProvider,
    private readonly position: TierPosition,
    private readonly steps: CaseSteps,
    private readonly changes: CaseChanges,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    // A batch's own statements (begin, locks, flush, commit) belong to no one request's trace.
    this.queue = new GroupCommitQueue((batch) => context.with(ROOT_CONTEXT, () => this.actTogether(batch)), {
      lanes: config.own.CASE_WRITE_LANES,
      maxBatch: 32,
      // Two actions on one case never run at once: the later one waits and sees what the earlier
      // did. A merge touches the case it goes into as well (whose reporters it adds to).
      keys: (r) => (r.action === 'merge' && r.body.primaryCaseId ? [r.caseId, r.body.primaryCaseId] : r.caseId),
    });
  }

  /**
   * Does one action on a case for `principal`. Actions are committed together when they arrive
   * faster than the database takes them (group commit: see `actTogether`); each is checked and
   * answered on its own, as if alone.
   */
  act(principal: Principal, caseId: string, action: CaseAction, body: CaseActionBody, covering: readonly CoveredWorker[] = []): Promise<CaseView> {
    return this.queue.submit({ principal, caseId, action, body, covering, ctx: context.active() });
  }

  /**
   * Actions on different cases, in one transaction: the cases are locked with one statement (in id
   * order, as every batch does, so two batches take shared rows in the same order), the stored
   * timelines that escalations carry up are read with another, then each action is checked,
   * applied and recorded in turn, in its caller's trace context. An action its checks refuse is
   * answered with its error and the others go on (nothing of it was written); anything else fails
   * the batch, and the queue runs each action again alone.
   */
  private async actTogether(batch: readonly ActionRequest[]): Promise<ItemOutcome<CaseView>[]> {
    const done = await batchTransaction(this.orm, this.logger, 'case.actions_rolled_back', batch.length, async (tx) => {
      const locked = await this.cases.findManyForUpdate(tx, batch.map((r) => r.caseId));
      const escalating = batch.filter((r) => r.action === 'escalate' && locked.get(r.caseId)?.ownerTier === null).map((r) => r.caseId);
      const histories = escalating.length > 0 ? await this.cases.storedTimelines(tx, escalating) : new Map<string, TimelineStep[]>();
      const outcomes: ({ c: Case; now: Date } | { error: unknown })[] = [];
      for (const r of batch) {
        const now = new Date();
        let checked: { c: Case; decision: TransitionDecision };
        try {
          checked = await context.with(r.ctx, () => this.check(tx, r, locked.get(r.caseId), now));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          outcomes.push({ error: err });
          continue;
        }
        const { c, decision } = checked;
        await context.with(r.ctx, async () => {
          if (r.action === 'merge') await this.cases.countMerge(tx, r.body.primaryCaseId!);
          this.changes.apply(c, decision, r.body, r.principal, now);
          await this.record(tx, c, decision, r.body, r.principal, now, histories.get(r.caseId));
        });
        outcomes.push({ c, now });
      }
      return outcomes;
    });
    return done.map((o, i) => {
      if ('error' in o) return o;
      const r = batch[i]!;
      context.with(r.ctx, () =>
        this.logger.event('info', 'case.transition', { caseId: r.caseId, caseNo: o.c.caseNo, action: r.action, state: o.c.state }, 'CaseWorkflowService'),
      );
      return { ok: caseView(o.c, o.now, this.actionsFor(o.c, r.principal)) };
    });
  }

  /** Whether `r` may happen to `c` now, and what it does; throws a DomainError when not (nothing written). */
  private async check(tx: EntityManager, r: ActionRequest, c: Case | undefined, now: Date): Promise<{ c: Case; decision: TransitionDecision }> {
    const { principal, caseId, action, body } = r;
    // Outside the caller's subtree a case does not exist for them (same answer as a missing one).
    if (!c || !(isWithinScope(principal.orgUnit, c.gridCode) || isCovered(principal, r.covering, c)) || !withinDepartment(principal, c)) throw new DomainError('CASE.NOT_FOUND', `no case ${caseId}`);
    // A copy owned by another tier follows it; only its reporter's rating stays here.
    if (c.ownerTier && action !== 'rate') {
      const how = c.state === 'assigned_back' ? `was assigned back to ${c.sourceTier ?? c.ownerTier}` : `was escalated to ${c.escalatedTo ?? c.ownerTier}`;
      throw new DomainError('CASE.OWNED_BY_OTHER_TIER', `Case ${c.caseNo} ${how} and is handled by ${c.ownerTier}; this copy is read-only`);
    }
    if (action === 'escalate') this.position.escalationTarget(body.escalateTo);
    if (action === 'assign_back' && !c.sourceTier) {
      throw new DomainError('CASE.NO_CHILD_TIER', `Case ${c.caseNo} began at ${this.position.tier}: there is no child tier to assign it back to`);
    }
    const decision = decideTransition(
      snapshotOf(c),
      { action, actor: principal, now, ...body, evidence: body.evidence },
      { reopenWindowMinutes: this.rules.rules.reopenWindowMinutes },
    );
    if (action === 'merge') await this.checkMergeTarget(tx, principal, c, body.primaryCaseId!);
    return { c, decision };
  }

  /**
   * The category's escalation rule, applied by the deadline scheduler in its own transaction (the
   * row is locked there): a case still before handling goes to the parent, the tier's desk acting
   * by rule. Returns false when the case cannot be escalated here (no parent, already handled,
   * owned elsewhere); it stays marked for people to decide.
   */
  async escalateByRule(tx: EntityManager, c: Case, now: Date, reason: string): Promise<boolean> {
    if (!this.position.parent || c.ownerTier || !TRANSITIONS.escalate.from.includes(c.state)) return false;
    const actor: Principal = { subject: 'system:case-rules', roles: [deskRoleOf(this.position.tier)], orgUnit: this.position.tier };
    const body = { reason };
    const decision = decideTransition(snapshotOf(c), { action: 'escalate', actor, now, ...body }, { reopenWindowMinutes: this.rules.rules.reopenWindowMinutes });
    this.changes.apply(c, decision, body, actor, now);
    await this.record(tx, c, decision, body, actor, now);
    return true;
  }

  /** The view of a case for `principal`, with the actions they may take. */
  view(c: Case, principal: Principal, now = new Date()): CaseView {
    return caseView(c, now, this.actionsFor(c, principal));
  }

  /** The workflow's answer, less what this tier cannot do: escalate without a parent, act on a copy owned elsewhere. */
  private actionsFor(c: Case, principal: Principal): CaseAction[] {
    return availableActions(snapshotOf(c), principal).filter(
      (a) => (!c.ownerTier || a === 'rate') && (a !== 'escalate' || this.position.parent !== null) && (a !== 'assign_back' || c.sourceTier !== null),
    );
  }

  /**
   * Stores the timeline entry and the event of a transition in `tx`. `stored` is the case's timeline
   * as stored before this transaction, when the caller read it already (an escalation carries it up).
   */
  async record(
    tx: EntityManager,
    c: Case,
    decision: TransitionDecision,
    body: CaseActionBody,
    principal: Principal,
    now: Date,
    stored?: readonly TimelineStep[],
  ): Promise<void> {
    const entry = timelineEntry(c.id, {
      action: decision.action,
      from: decision.from,
      to: decision.to,
      at: now,
      subject: principal.subject,
      role: decision.actedAs,
      unit: principal.orgUnit,
      location: body.location ? point(body.location.longitude, body.location.latitude) : null,
      note: body.note ?? body.reason ?? body.comment ?? null,
      attachments: body.evidence ?? [],
      details: decisionDetails(decision, body, c),
    });
    this.cases.add(tx, entry);

    const reporters = await this.cases.reportersOf(tx, c);
    // Whom the case went to: a dispatch's assignee, or the child an assign-back returned it to.
    const assignee: Assignee | undefined =
      decision.action === 'dispatch' ? body.assignee : decision.action === 'assign_back' && c.sourceTier ? { kind: 'unit', code: c.sourceTier } : undefined;
    const data = stepData(c, {
      action: decision.action,
      from: decision.from,
      to: decision.to,
      at: now,
      actor: { subject: principal.subject, role: decision.actedAs },
      reporters,
      step: c.step,
      deadlineAt: c.deadlineAt?.toISOString() ?? null,
      yellowAt: c.yellowAt?.toISOString() ?? null,
      note: entry.note,
      assignee,
      ...(decision.action === 'merge' && { primaryCaseId: body.primaryCaseId! }),
      ...(decision.action === 'rate' && { rating: body.rating! }),
      ...(decision.action === 'request_extension' && { extensionMinutes: body.extensionMinutes! }),
      ...(decision.action === 'approve_extension' && decision.clock.kind === 'extend' && { extensionMinutes: decision.clock.minutes }),
      evidenceCount: body.evidence?.length,
      ...(decision.action === 'escalate' && c.escalatedTo && { escalatedTo: c.escalatedTo }),
    });
    this.outbox.add(tx, Events[decision.event], data, c.id);

    // Whoever listens (federation: the escalation to the parent; to a child the case came from, and
    // to the tiers above that follow a case assigned back here, every step) writes in this transaction.
    const step: StepTaken = {
      action: decision.action,
      from: decision.from,
      to: decision.action === 'assign_back' ? ('dispatched' as const) : decision.to,
      at: now,
      role: decision.actedAs,
      unit: principal.orgUnit,
      note: entry.note,
      evidenceCount: body.evidence?.length,
      attachments: body.evidence?.map((key) => ({ tier: this.position.tier, key })),
      assignee,
      actingTier: this.position.tier,
    };
    await this.steps.recorded({
      tx,
      case: c,
      entry,
      principal,
      step,
      ...(decision.action === 'escalate' && { escalation: { reason: body.reason!, target: this.position.escalationTarget(body.escalateTo), earlier: stored } }),
    });
  }

  private async checkMergeTarget(tx: EntityManager, principal: Principal, c: Case, primaryId: string): Promise<void> {
    if (primaryId === c.id) throw new DomainError('CASE.MERGE_TARGET_INVALID', 'A case cannot be merged into itself');
    const primary = await this.cases.findById(tx, primaryId);
    if (!primary || !isWithinScope(principal.orgUnit, primary.gridCode)) throw new DomainError('CASE.NOT_FOUND', `no case ${primaryId}`);
    // A closed primary would leave the duplicate's reporter without an outcome: reopen it instead.
    if (!isOpenState(primary.state)) {
      throw new DomainError('CASE.MERGE_TARGET_INVALID', `Case ${primary.caseNo} is ${primary.state}: merge into an open case`);
    }
    if (primary.categoryCode !== c.categoryCode) {
      throw new DomainError('CASE.MERGE_TARGET_INVALID', `Case ${primary.caseNo} is of another category (${primary.categoryCode})`);
    }
  }
}

/** The role in which a tier's own desk acts (a grid's is its leader). */
function deskRoleOf(tier: string): Role {
  switch (OrgUnitCode.parse(tier).level) {
    case 'grid':
      return 'grid-leader';
    case 'community':
      return 'community-staff';
    case 'street':
      return 'street-staff';
    case 'district':
      return 'district-staff';
  }
}

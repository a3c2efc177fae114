import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import {
  durableName,
  Events,
  type CaseEscalatedUpV1,
  type CaseProgressedDownV1,
  type CaseProgressedUpV1,
  type CaseState,
  type OwnerStep,
  type CloudEvent,
  type TierSummaryV1,
} from '@gm/contracts';
import { formatCaseNo, summarize, TRANSITIONS } from '@gm/domain';
import { readFileSync } from 'node:fs';
import {
  applyStreams,
  type BatchItem,
  DOWNLINK_IN,
  DurableConsumers,
  errorText,
  Inbox,
  JetStreamService,
  NatsClient,
  Outbox,
  parseStreamsFile,
  sleep,
  UPLINK_AGGREGATE,
} from '@gm/messaging';
import { point } from '@gm/persistence';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { Case } from '../cases/case.entity';
import { CaseRepository, type Admission } from '../cases/case.repository';
import { CaseTransition } from '../cases/case-transition.entity';
import { CaseWorkflowService } from '../cases/case-workflow.service';
import type { StepTaken } from '../cases/step-recorded';
import { FederationOutbound } from './federation-outbound';
import { TierPosition } from '../tier/tier-position';
import { TierSummaryStore } from './tier-summary.store';

export const UPLINK_DURABLE = durableName('public-sentiment', 'uplink');
export const DOWNLINK_DURABLE = durableName('public-sentiment', 'downlink');

/** States of the owner's copy that end the case for the tiers below too. */
const MIRRORED_FINAL: readonly CaseState[] = ['closed', 'voided'];

/**
 * What a federated tier receives: escalations from its children (through `UPLINK_AGG`, which
 * sources every child's UPLINK) and the steps on its escalated cases from its parent (through
 * `DOWNLINK_IN`). Each event is applied once: the inbox records its id in the transaction that
 * applies it, so a redelivery, a replay after a cut or a duplicate changes nothing.
 */
@Injectable()
export class FederationInbound implements OnApplicationBootstrap {
  constructor(
    private readonly position: TierPosition,
    private readonly consumers: DurableConsumers,
    private readonly inbox: Inbox,
    private readonly orm: MikroORM,
    private readonly cases: CaseRepository,
    private readonly workflow: CaseWorkflowService,
    private readonly outbound: FederationOutbound,
    private readonly outbox: Outbox,
    private readonly summaries: TierSummaryStore,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.position.enabled) return;
    const streamsFile = this.config.own.FEDERATION_STREAMS_FILE;
    if (streamsFile) void this.provision(streamsFile);
    if (this.position.hasChildren) {
      this.consumers.start({
        provisionedStream: UPLINK_AGGREGATE,
        subjectFilter: 'gm.*.uplink.>',
        durable: UPLINK_DURABLE,
        handle: (event) => this.fromChild(event),
        // Escalations that arrived together are copied in one transaction (see fromChildren).
        handleBatch: (items) => this.fromChildren(items),
      });
    }
    if (this.position.parent) {
      this.consumers.start({
        provisionedStream: DOWNLINK_IN,
        subjectFilter: `gm.${this.position.tier}.downlink.>`,
        durable: DOWNLINK_DURABLE,
        handle: (event) => this.fromParent(event),
      });
    }
  }

  /** Applies the tier's generated federation streams once NATS answers (retrying; the consumers wait for them). */
  private async provision(file: string): Promise<void> {
    const streams = parseStreamsFile(readFileSync(file, 'utf8'), file);
    for (let attempt = 1; ; attempt++) {
      try {
        const nc = await this.nats.connection();
        const result = await applyStreams(await this.jetstream.manager(nc), streams);
        // Held back by a legacy DOWNLINK: everything else is applied; this needs the operator (README, "Upgrading a federation").
        if (result.blocked.length > 0) this.logger.event('error', 'federation.streams_held_back', { streams: result.blocked, why: result.blockedBecause ?? null }, 'FederationInbound');
        this.logger.event('info', 'federation.streams_applied', { ...result }, 'FederationInbound');
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 30 === 0) this.logger.event('warn', 'federation.streams_not_applied', { file, attempt, error: errorText(err) }, 'FederationInbound');
        await sleep(2000);
      }
    }
  }

  async fromChild(event: CloudEvent): Promise<void> {
    if (event.type === Events.caseEscalatedUp.type) await this.receiveEscalation(event as CloudEvent<CaseEscalatedUpV1>);
    else if (event.type === Events.caseProgressedUp.type) await this.receiveProgressUp(event as CloudEvent<CaseProgressedUpV1>);
    else if (event.type === Events.tierSummary.type) await this.summaries.receive(event as CloudEvent<TierSummaryV1>, UPLINK_DURABLE);
    // Other services' events travel in the same stream (the command centre's KPI increments): theirs to consume.
    else this.logger.event('debug', 'federation.not_for_this_service', { type: event.type, from: 'child' }, 'FederationInbound');
  }

  /**
   * Events from children that were waiting together, in stream order: each run of consecutive
   * escalations is copied in one transaction (one commit, one flush writing all the copies, one
   * wake-up of the relay for what is passed on), each in its own span and claimed in the inbox as
   * when alone; anything else (a step from a child, a summary) is applied on its own in its place.
   * When this throws, the consumer applies the same events one by one (the inbox skips what was
   * applied already).
   */
  async fromChildren(items: readonly BatchItem[]): Promise<void> {
    let run: BatchItem[] = [];
    for (const i of items) {
      if (i.event.type === Events.caseEscalatedUp.type) {
        run.push(i);
        continue;
      }
      await this.escalationsTogether(run);
      run = [];
      await i.within(() => this.fromChild(i.event));
    }
    await this.escalationsTogether(run);
  }

  private async escalationsTogether(run: readonly BatchItem[]): Promise<void> {
    if (run.length === 0) return;
    const created: { c: Case; d: CaseEscalatedUpV1 }[] = [];
    await this.orm.em.fork().transactional(async (tx) => {
      const ours = run.filter((i) => (i.event as CloudEvent<CaseEscalatedUpV1>).data.to === this.position.tier);
      // Every claim of the run, with its look for an existing copy, in one statement.
      const admissions = await this.cases.admitCopies(
        tx,
        UPLINK_DURABLE,
        ours.map((i) => ({ event: i.event, source: (i.event as CloudEvent<CaseEscalatedUpV1>).data.from })),
      );
      const admitted = new Map(ours.map((i, k) => [i, admissions[k]!]));
      for (const i of run) {
        const event = i.event as CloudEvent<CaseEscalatedUpV1>;
        const c = await i.within(() => this.receiveEscalation(event, { tx, admission: admitted.get(i) }));
        if (c) created.push({ c, d: event.data });
      }
    });
    for (const { c, d } of created) this.logReceived(c, d);
  }

  async fromParent(event: CloudEvent): Promise<void> {
    if (event.type === Events.caseProgressedDown.type) await this.receiveProgress(event as CloudEvent<CaseProgressedDownV1>);
    // Departments' commands travel the same stream: service-office's to take (ADR 0015).
    else if (event.type === Events.departmentCommandDown.type) return;
    else this.logger.event('warn', 'federation.unexpected_event', { type: event.type, from: 'parent' }, 'FederationInbound');
  }

  /**
   * A child escalated a case: this tier makes its own copy, with provenance, and owns it from now on.
   * With `batch`, the copy is written in that transaction, and committing it (then logging it and
   * waking the relay) is the caller's; so is the event's admission when the caller made it already.
   * Returns the copy, or undefined when there is none to make.
   */
  async receiveEscalation(event: CloudEvent<CaseEscalatedUpV1>, batch?: { tx: EntityManager; admission?: Admission | undefined }): Promise<Case | undefined> {
    const d = event.data;
    if (d.to !== this.position.tier) {
      this.logger.event('warn', 'federation.misrouted', { eventId: event.id, to: d.to }, 'FederationInbound');
      return undefined;
    }
    let created: Case | undefined;
    const copy = async (tx: EntityManager) => {
      // The inbox claim, the look for a copy this tier has already and the new copy's number, in one
      // statement. The same case escalated again by the same child (a new event id) keeps the copy
      // it has; if this tier had assigned it back, it takes the case over again. (Copies made
      // earlier in a batch's transaction are written at its commit: should one be a second copy of
      // the same case, the unique source index fails the batch, which is then applied one event at
      // a time.)
      const admitted = batch?.admission ?? (await this.cases.admitCopies(tx, UPLINK_DURABLE, [{ event, source: d.from }]))[0]!;
      if (!admitted.claimed) return;
      if (admitted.existingId !== null) {
        const existing = await this.cases.findForUpdate(tx, admitted.existingId);
        // Owned below this tier (org codes nest: a descendant's code begins with this one's).
        const ownedBelow = !!existing?.ownerTier && existing.ownerTier !== this.position.tier && existing.ownerTier.startsWith(this.position.tier);
        if (existing && ownedBelow) {
          await this.reclaim(tx, existing, d);
          created = existing;
        }
        return;
      }
      const now = new Date();
      const c = new Case();
      c.id = randomUUID();
      c.caseNo = formatCaseNo(this.position.tier, now, admitted.sequence!, this.config.own.CASE_TIME_ZONE);
      // For a tier further up, this one keeps a read-only copy and passes the case on in this transaction.
      const passOn = d.target !== this.position.tier;
      c.state = passOn ? 'escalated' : 'registered';
      c.categoryCode = d.case.categoryCode;
      c.urgency = d.case.urgency;
      c.triage = d.case.triage;
      c.gridCode = d.case.gridCode;
      c.location = point(d.case.location.longitude, d.case.location.latitude);
      c.address = d.case.address;
      c.description = d.case.description;
      c.occurredAt = d.case.occurredAt ? new Date(d.case.occurredAt) : null;
      c.reportedAt = new Date(d.case.reportedAt);
      c.channel = d.case.channel;
      c.reporterSubject = d.case.reporter.subject;
      c.reporterRole = d.case.reporter.role;
      c.reporterUnit = d.case.reporter.unit;
      c.idempotencyKey = `escalated:${d.from.tier}:${d.from.caseId}`;
      c.requestHash = event.id;
      c.reworkCount = d.case.reworkCount;
      c.urgeCount = d.case.urgeCount;
      c.originTier = d.origin.tier;
      c.originCaseId = d.origin.caseId;
      c.originCaseNo = d.origin.caseNo;
      c.sourceTier = d.from.tier;
      c.sourceCaseId = d.from.caseId;
      c.tierPath = d.path;
      if (passOn) {
        c.escalatedTo = this.position.parentOrFail();
        c.ownerTier = c.escalatedTo;
        this.workflow.setClock(c, { kind: 'stop' }, now);
      } else {
        this.workflow.setClock(c, { kind: 'restart', step: 'dispatch' }, now);
      }
      this.cases.add(tx, c);
      // The copy's whole timeline is written in this transaction: kept at hand to pass it on.
      const entries: CaseTransition[] = [];
      for (const h of d.history) {
        entries.push(
          transition(c.id, {
            action: h.action as CaseTransition['action'],
            from: h.from,
            to: h.to,
            at: new Date(h.at),
            role: h.role,
            unit: h.unit,
            note: h.note ?? null,
            attachments: h.attachments,
            tier: h.tier,
          }),
        );
      }
      entries.push(escalationEntry(c.id, d, 'receive', now, null, passOn ? 'registered' : c.state, { attachments: d.attachments }));
      for (const e of entries) this.cases.add(tx, e);
      this.outbox.add(
        tx,
        Events.caseReported,
        {
          caseId: c.id,
          caseNo: c.caseNo,
          state: c.state,
          categoryCode: c.categoryCode,
          urgency: c.urgency,
          gridCode: c.gridCode,
          location: d.case.location,
          summary: summarize(d.case.description),
          channel: c.channel,
          triage: c.triage,
          reportedAt: c.reportedAt.toISOString(),
          reporter: { subject: c.reporterSubject, role: c.reporterRole },
          receivedFrom: d.from.tier,
          step: c.step,
          deadlineAt: c.deadlineAt?.toISOString() ?? null,
          yellowAt: c.yellowAt?.toISOString() ?? null,
        },
        c.id,
      );
      this.received(tx, c, d, !passOn, now);
      if (passOn) await this.passOnward(tx, c, d, now, entries);
      created = c;
    };
    if (batch) {
      await copy(batch.tx);
      return created;
    }
    await this.orm.em.fork().transactional(copy);
    if (!created) return undefined;
    this.logReceived(created, d);
    return created;
  }

  private logReceived(c: Case, d: CaseEscalatedUpV1): void {
    this.logger.event(
      'info',
      'federation.case_received',
      { caseId: c.id, caseNo: c.caseNo, fromTier: d.from.tier, originTier: d.origin.tier, originCaseId: d.origin.caseId },
      'FederationInbound',
    );
  }

  /** A step at the tier that owns an escalated case: mirrored on this copy, told to its reporter, passed on down. */
  async receiveProgress(event: CloudEvent<CaseProgressedDownV1>): Promise<void> {
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
  async receiveProgressUp(event: CloudEvent<CaseProgressedUpV1>): Promise<void> {
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
      transition(c.id, {
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
    await this.emitLocal(tx, c, step, { step: null, deadlineAt: s.deadlineAt });
    return step;
  }

  /**
   * This tier's own event of a step taken elsewhere (`gm.case.<action>.v1`, with `actingTier`), for
   * its reporter and subscribers. `clock` is the step and deadline to show: this copy's own when it
   * owns the case, else the owner's deadline; `escalatedTo` for an escalation that reached this tier.
   */
  private async emitLocal(
    tx: EntityManager,
    c: Case,
    step: StepTaken,
    clock: { step: Case['step']; deadlineAt: string | null; escalatedTo?: string },
  ): Promise<void> {
    this.outbox.add(
      tx,
      Events[TRANSITIONS[step.action].event],
      {
        caseId: c.id,
        caseNo: c.caseNo,
        action: step.action,
        from: step.from,
        to: step.to,
        categoryCode: c.categoryCode,
        urgency: c.urgency,
        gridCode: c.gridCode,
        at: step.at.toISOString(),
        actor: { subject: `tier:${step.actingTier}`, role: step.role },
        reporters: await this.cases.reportersOf(tx, c),
        ...(step.note && { note: summarize(step.note) }),
        step: clock.step,
        deadlineAt: clock.deadlineAt,
        reworkCount: c.reworkCount,
        ...(step.assignee && { assignee: step.assignee }),
        ...(step.evidenceCount !== undefined && { evidenceCount: step.evidenceCount }),
        actingTier: step.actingTier,
        ...(clock.escalatedTo && { escalatedTo: clock.escalatedTo }),
      },
      c.id,
    );
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
    this.workflow.setClock(c, { kind: 'restart', step: 'handle' }, now);
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
      transition(c.id, {
        action: 'assign_back',
        from: before,
        to: c.state,
        at: step.at,
        role: d.actor.role,
        unit: d.actor.unit,
        note: d.note ?? null,
        attachments: [],
        tier: d.actingTier,
        details: { assignedBackBy: d.actingTier, deadlineAt: c.deadlineAt?.toISOString() ?? null },
      }),
    );
    await this.emitLocal(tx, c, step, { step: c.step, deadlineAt: c.deadlineAt?.toISOString() ?? null });
    // Down, the step as the owner's: from the parent's state to `dispatched` here.
    this.outbound.progressDown(tx, c, { ...step, from: d.from });
  }

  /**
   * A child escalated again a case this tier had assigned back to it: this tier owns it again (or,
   * for a tier further up, passes it on as before). The copy keeps its timeline; the tier above
   * that follows this copy, if any, hears who owns the case now.
   */
  private async reclaim(tx: EntityManager, c: Case, d: CaseEscalatedUpV1): Promise<void> {
    const now = new Date();
    const before = c.state;
    const passOn = d.target !== this.position.tier;
    c.state = 'registered';
    c.ownerTier = null;
    c.escalatedTo = null;
    c.upstreamState = null;
    c.assigneeKind = null;
    c.assigneeCode = null;
    c.reworkCount = Math.max(c.reworkCount, d.case.reworkCount);
    c.urgeCount = Math.max(c.urgeCount, d.case.urgeCount);
    this.workflow.setClock(c, { kind: 'restart', step: 'dispatch' }, now);
    const step: StepTaken = { action: 'escalate', from: before, to: 'registered', at: now, role: d.actor.role, unit: d.actor.unit, note: d.reason, actingTier: d.from.tier };
    this.cases.add(tx, escalationEntry(c.id, d, 'receive', now, before, 'registered', { again: true }));
    this.received(tx, c, d, !passOn, now);
    await this.emitLocal(tx, c, step, { step: c.step, deadlineAt: c.deadlineAt?.toISOString() ?? null, escalatedTo: this.position.tier });
    if (passOn) {
      c.state = 'escalated';
      c.escalatedTo = this.position.parentOrFail();
      c.ownerTier = c.escalatedTo;
      c.followedBy = null;
      this.workflow.setClock(c, { kind: 'stop' }, now);
      await this.passOnward(tx, c, d, now);
      return;
    }
    this.outbound.progressUp(tx, c, step);
  }

  /** `gm.case.received.v1` for this tier's own subscribers, naming the case's attachments held by other tiers. */
  private received(tx: EntityManager, c: Case, d: CaseEscalatedUpV1, ownedHere: boolean, now: Date): void {
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

  /**
   * For an escalation meant for a tier further up: this copy's own `escalate` entry, and the case
   * sent on to the parent in this transaction. `earlier`: the copy's timeline when it is being
   * written in this transaction (nothing of it is stored yet).
   */
  private async passOnward(tx: EntityManager, c: Case, d: CaseEscalatedUpV1, now: Date, earlier?: readonly CaseTransition[]): Promise<void> {
    const onward = escalationEntry(c.id, d, 'escalate', now, 'registered', 'escalated', { target: d.target, passedOn: true });
    this.cases.add(tx, onward);
    await this.outbound.escalate(tx, c, onward, { subject: d.actor.subject, roles: [], orgUnit: d.actor.unit }, d.reason, d.target, earlier);
  }
}

/**
 * A timeline entry of this tier's part in a child's escalation, in the name of the child's actor:
 * receiving it (`receive`), or passing it on further up (`escalate`).
 */
function escalationEntry(
  caseId: string,
  d: CaseEscalatedUpV1,
  action: 'receive' | 'escalate',
  at: Date,
  from: CaseState | null,
  to: CaseState,
  details: Record<string, unknown>,
): CaseTransition {
  return transition(caseId, {
    action,
    from,
    to,
    at,
    role: d.actor.role,
    unit: d.actor.unit,
    note: d.reason,
    attachments: [],
    tier: null,
    subject: d.actor.subject,
    details: action === 'receive' ? { from: d.from, origin: d.origin, path: d.path, ...details } : details,
  });
}

function transition(
  caseId: string,
  t: {
    action: CaseTransition['action'];
    from: CaseState | null;
    to: CaseState;
    at: Date;
    role: string;
    unit: string;
    note: string | null;
    attachments: string[];
    tier: string | null;
    /** Who acted, when known (pseudonymous); else the tier stands for them. */
    subject?: string;
    details?: Record<string, unknown>;
  },
): CaseTransition {
  const e = new CaseTransition();
  e.caseId = caseId;
  e.action = t.action;
  e.fromState = t.from;
  e.toState = t.to;
  e.actorSubject = t.subject ?? `tier:${t.tier ?? t.unit}`;
  e.actorRole = t.role;
  e.actorUnit = t.unit;
  e.at = t.at;
  e.note = t.note;
  e.attachments = t.attachments;
  e.tier = t.tier;
  e.details = t.details ?? {};
  return e;
}


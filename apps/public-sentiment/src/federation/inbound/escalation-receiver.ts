import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { durableName, Events, type CaseEscalatedUpV1, type CloudEvent } from '@gm/contracts';
import { formatCaseNo } from '@gm/domain';
import { Outbox, type BatchItem } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../../config/config';
import type { Case } from '../../cases/case.entity';
import { reportedData } from '../../cases/case-payloads';
import { CaseRepository, type Admission } from '../../cases/case.repository';
import type { CaseTransition } from '../../cases/case-transition.entity';
import { CaseChanges } from '../../cases/case-changes';
import type { StepTaken } from '../../cases/step-recorded';
import { TierPosition } from '../../tier/tier-position';
import { FederationOutbound } from '../federation-outbound';
import { caseCopy, copiedHistory, escalationEntry } from './case-copy';
import { LocalEvents } from './local-events';

export const UPLINK_DURABLE = durableName('public-sentiment', 'uplink');

/**
 * A child escalated a case (`gm.case.escalated-up.v1`): this tier makes its own copy, with
 * provenance, and owns it from now on, or passes it on to the tier the child aimed at. The same case
 * escalated again by the child (a case this tier had assigned back) is taken over again.
 */
@Injectable()
export class EscalationReceiver {
  constructor(
    private readonly position: TierPosition,
    private readonly orm: MikroORM,
    private readonly cases: CaseRepository,
    private readonly changes: CaseChanges,
    private readonly outbound: FederationOutbound,
    private readonly outbox: Outbox,
    private readonly local: LocalEvents,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One escalation in a transaction of its own. */
  async receive(event: CloudEvent<CaseEscalatedUpV1>): Promise<Case | undefined> {
    let created: Case | undefined;
    await this.orm.em.fork().transactional(async (tx) => {
      created = await this.copy(tx, event);
    });
    if (created) this.logReceived(created, event.data);
    return created;
  }

  /**
   * Escalations that were waiting together, in one transaction: one commit, one flush writing all
   * the copies, each in its own span and claimed in the inbox as when alone (every claim of the run,
   * with its look for an existing copy, in one statement).
   */
  async receiveTogether(run: readonly BatchItem<CaseEscalatedUpV1>[]): Promise<void> {
    if (run.length === 0) return;
    const created: { c: Case; d: CaseEscalatedUpV1 }[] = [];
    await this.orm.em.fork().transactional(async (tx) => {
      const ours = run.filter((i) => i.event.data.to === this.position.tier);
      const admissions = await this.cases.admitCopies(
        tx,
        UPLINK_DURABLE,
        ours.map((i) => ({ event: i.event, source: i.event.data.from })),
      );
      const admitted = new Map(ours.map((i, k) => [i, admissions[k]!]));
      for (const i of run) {
        const c = await i.within(() => this.copy(tx, i.event, admitted.get(i)));
        if (c) created.push({ c, d: i.event.data });
      }
    });
    for (const { c, d } of created) this.logReceived(c, d);
  }

  /**
   * The copy, written in `tx`. The inbox claim, the look for a copy this tier has already and the
   * new copy's number come in one statement (`admission`, when the caller made it already). The
   * same case escalated again by the same child (a new event id) keeps the copy it has; if this
   * tier had assigned it back, it takes the case over again. (Copies made earlier in a batch's
   * transaction are written at its commit: should one be a second copy of the same case, the
   * unique source index fails the batch, which is then applied one event at a time.)
   */
  private async copy(tx: EntityManager, event: CloudEvent<CaseEscalatedUpV1>, admission?: Admission): Promise<Case | undefined> {
    const d = event.data;
    if (d.to !== this.position.tier) {
      this.logger.event('warn', 'federation.misrouted', { eventId: event.id, to: d.to }, 'FederationInbound');
      return undefined;
    }
    const admitted = admission ?? (await this.cases.admitCopies(tx, UPLINK_DURABLE, [{ event, source: d.from }]))[0]!;
    if (!admitted.claimed) return undefined;
    if (admitted.existingId !== null) {
      const existing = await this.cases.findForUpdate(tx, admitted.existingId);
      // Owned below this tier (org codes nest: a descendant's code begins with this one's).
      const ownedBelow = !!existing?.ownerTier && existing.ownerTier !== this.position.tier && existing.ownerTier.startsWith(this.position.tier);
      if (!existing || !ownedBelow) return undefined;
      await this.reclaim(tx, existing, d);
      return existing;
    }
    const now = new Date();
    const c = caseCopy(d, event.id, randomUUID(), formatCaseNo(this.position.tier, now, admitted.sequence!, this.config.own.CASE_TIME_ZONE));
    // For a tier further up, this one keeps a read-only copy and passes the case on in this transaction.
    const passOn = d.target !== this.position.tier;
    c.state = passOn ? 'escalated' : 'registered';
    if (passOn) {
      c.escalatedTo = this.position.parentOrFail();
      c.ownerTier = c.escalatedTo;
      this.changes.setClock(c, { kind: 'stop' }, now);
    } else {
      this.changes.setClock(c, { kind: 'restart', step: 'dispatch' }, now);
    }
    this.cases.add(tx, c);
    // The copy's whole timeline is written in this transaction: kept at hand to pass it on.
    const entries = copiedHistory(c.id, d);
    entries.push(escalationEntry(c.id, d, 'receive', now, null, passOn ? 'registered' : c.state, { attachments: d.attachments }));
    for (const e of entries) this.cases.add(tx, e);
    this.outbox.add(tx, Events.caseReported, reportedData(c, d.from.tier), c.id);
    this.local.received(tx, c, d, !passOn, now);
    if (passOn) await this.passOnward(tx, c, d, now, entries);
    return c;
  }

  private logReceived(c: Case, d: CaseEscalatedUpV1): void {
    this.logger.event(
      'info',
      'federation.case_received',
      { caseId: c.id, caseNo: c.caseNo, fromTier: d.from.tier, originTier: d.origin.tier, originCaseId: d.origin.caseId },
      'FederationInbound',
    );
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
    this.changes.setClock(c, { kind: 'restart', step: 'dispatch' }, now);
    const step: StepTaken = { action: 'escalate', from: before, to: 'registered', at: now, role: d.actor.role, unit: d.actor.unit, note: d.reason, actingTier: d.from.tier };
    this.cases.add(tx, escalationEntry(c.id, d, 'receive', now, before, 'registered', { again: true }));
    this.local.received(tx, c, d, !passOn, now);
    await this.local.step(tx, c, step, { step: c.step, deadlineAt: c.deadlineAt?.toISOString() ?? null, escalatedTo: this.position.tier });
    if (passOn) {
      c.state = 'escalated';
      c.escalatedTo = this.position.parentOrFail();
      c.ownerTier = c.escalatedTo;
      c.followedBy = null;
      this.changes.setClock(c, { kind: 'stop' }, now);
      await this.passOnward(tx, c, d, now);
      return;
    }
    this.outbound.progressUp(tx, c, step);
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

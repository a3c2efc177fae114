import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MikroORM, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { DomainError, Events, type Principal, type ReportCaseBody, type ReportCaseResult } from '@gm/contracts';
import { OrgUnitCode, decideIntake, decideTransition, formatCaseNo, inSameCommunity, isWithinScope, summarize, withinDepartment, type IntakeChannel, type IntakeDecision, type RawAttributes } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { GroupCommitQueue, point, type ItemOutcome } from '@gm/persistence';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { Case } from './case.entity';
import { batchTransaction } from './batch-transaction';
import { CaseRepository } from './case.repository';
import type { CaseTransition } from './case-transition.entity';
import { timelineEntry } from './timeline-entry';
import { reportedData } from './case-payloads';
import { CaseWorkflowService } from './case-workflow.service';
import { CaseChanges } from './case-changes';
import type { CaseView } from './case-view';

export interface ReportOutcome extends ReportCaseResult {
  /** True when this answer repeats the one given to an earlier request with the same key. */
  readonly replayed: boolean;
}

/** What some channels add to a report (today Open311): answers to the category's attributes, a link to the reporter's media. */
export interface ReportExtras {
  /** Unchecked answers; the intake rules check them against the category's definition. */
  readonly attributes?: RawAttributes | undefined;
  /** An http(s) URL to media held elsewhere. */
  readonly mediaUrl?: string | undefined;
  /** Grids the reporter covers now (A/B posts, as the gateway recorded them; of the reporter's community only). */
  readonly coveredGrids?: readonly string[] | undefined;
}

/** A report whose (reporter, key) has a case already: answered as a replay of it. */
class ReportedAlready extends Error {}

/** One report to store, checked already, with the trace context of the request that sent it. */
interface IntakeRequest {
  readonly principal: Principal;
  readonly body: ReportCaseBody;
  readonly channel: IntakeChannel;
  readonly idempotencyKey: string;
  readonly extras: ReportExtras;
  readonly decision: IntakeDecision;
  readonly requestHash: string;
  readonly now: Date;
  readonly ctx: Context;
}

@Injectable()
export class CaseService {
  private readonly intake: GroupCommitQueue<IntakeRequest, Case>;

  constructor(
    private readonly orm: MikroORM,
    private readonly cases: CaseRepository,
    private readonly workflow: CaseWorkflowService,
    private readonly changes: CaseChanges,
    private readonly rules: CaseRulesProvider,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    // A batch's own statements (begin, flush, commit) belong to no one request's trace.
    this.intake = new GroupCommitQueue((batch) => context.with(ROOT_CONTEXT, () => this.reportTogether(batch)), {
      lanes: config.own.CASE_WRITE_LANES,
      maxBatch: 32,
      // Two copies of one report never run at once: the later one finds the earlier and replays it.
      keys: (r) => `${r.principal.subject}\n${r.idempotencyKey}`,
    });
  }

  /**
   * Stores a reported case in state `reported` and its `gm.case.reported.v1` event in one
   * transaction. Idempotent per reporter and key: a replay returns the first answer and stores
   * nothing; the same key with a different report is a conflict.
   */
  async report(principal: Principal, body: ReportCaseBody, channel: IntakeChannel, idempotencyKey: string, extras: ReportExtras = {}): Promise<ReportOutcome> {
    const decision = decideIntake(
      {
        principal,
        channel,
        categoryCode: body.categoryCode,
        gridCode: body.gridCode,
        urgency: body.urgency,
        triage: body.triage,
        evidenceCount: body.evidence?.length,
        attributes: extras.attributes,
        tierCode: this.config.tier,
        coveredGrids: extras.coveredGrids?.filter((g) => inSameCommunity(g, principal.orgUnit)),
      },
      this.rules.catalogue,
    );
    const requestHash = hashReport(body, extras);
    let entity: Case;
    try {
      entity = await this.intake.submit({ principal, body, channel, idempotencyKey, extras, decision, requestHash, now: new Date(), ctx: context.active() });
    } catch (err) {
      // A report sent again, or two copies of one report that raced in two replicas (the first one
      // won): answer as a replay.
      if (err instanceof ReportedAlready || err instanceof UniqueConstraintViolationException) {
        const winner = await this.cases.findByIdempotencyKey(this.orm.em.fork(), principal.subject, idempotencyKey);
        if (winner) return this.replay(winner, requestHash, idempotencyKey);
      }
      throw err;
    }
    this.logger.event('info', 'case.reported', { caseId: entity.id, caseNo: entity.caseNo, category: entity.categoryCode, grid: entity.gridCode, urgency: entity.urgency }, 'CaseService');
    return { ...resultOf(entity), replayed: false };
  }

  /**
   * Reports that arrived together, stored in one transaction (group commit, ADR 0009): the ones
   * sent before (a handheld that did not hear the answer and sent again) are found, and the new
   * ones get their case numbers, with one statement; the first are answered as replays, then
   * each case, its timeline entry and its events are added in its caller's trace context and
   * written with one statement per table at the commit. Two copies of one report never run at
   * once here; two that race in two replicas meet the unique (reporter, key): the batch is rolled
   * back, and the queue stores each report again alone, the second copy then answered as a replay.
   */
  private async reportTogether(batch: readonly IntakeRequest[]): Promise<ItemOutcome<Case>[]> {
    const outcomes = await batchTransaction(this.orm, this.logger, 'case.reports_rolled_back', batch.length, async (tx) => {
      const admitted = await this.cases.admitReports(tx, batch.map((r) => ({ subject: r.principal.subject, key: r.idempotencyKey })));
      const result: ItemOutcome<Case>[] = [];
      for (const [i, r] of batch.entries()) {
        const { sequence } = admitted[i]!;
        if (sequence === null) result.push({ error: new ReportedAlready() });
        else result.push({ ok: await context.with(r.ctx, () => this.store(tx, r, sequence)) });
      }
      return result;
    });
    return outcomes;
  }

  /** Adds one report to `tx`: the case in state `reported` (or closed on the spot), its timeline entry and its events. */
  private async store(tx: EntityManager, r: IntakeRequest, sequence: number): Promise<Case> {
    const { principal, body, channel, extras, decision, now } = r;
    const entity = new Case();
    entity.id = randomUUID();
    entity.caseNo = formatCaseNo(this.config.tier, now, sequence, this.config.own.CASE_TIME_ZONE);
    entity.state = 'reported';
    entity.categoryCode = decision.category.code;
    entity.urgency = decision.urgency;
    entity.gridCode = decision.gridCode;
    entity.location = point(body.location.longitude, body.location.latitude);
    entity.locationAccuracyM = body.location.accuracy ?? null;
    entity.address = body.address ?? null;
    entity.description = body.description;
    entity.occurredAt = body.occurredAt ? new Date(body.occurredAt) : null;
    entity.attributes = { ...decision.attributes };
    entity.mediaUrl = extras.mediaUrl ?? null;
    entity.reportedAt = now;
    entity.channel = channel;
    entity.reporterSubject = principal.subject;
    entity.reporterRole = decision.reporterRole;
    entity.reporterUnit = principal.orgUnit;
    entity.idempotencyKey = r.idempotencyKey;
    entity.requestHash = r.requestHash;
    entity.triage = decision.triage;
    this.changes.setClock(entity, { kind: 'restart', step: 'accept' }, now);

    this.cases.add(tx, entity);
    this.cases.add(tx, intakeEntry(entity, principal, decision.reporterRole, body, now));
    this.outbox.add(tx, Events.caseReported, reportedData(entity), entity.id);
    if (decision.triage === 'emergency') {
      this.outbox.add(
        tx,
        Events.caseEmergency,
        {
          caseId: entity.id,
          caseNo: entity.caseNo,
          categoryCode: entity.categoryCode,
          gridCode: entity.gridCode,
          location: { latitude: body.location.latitude, longitude: body.location.longitude },
          summary: summarize(body.description),
          reportedAt: now.toISOString(),
          notify: { street: streetOf(entity.gridCode), department: decision.category.ownerDepartment },
        },
        entity.id,
      );
    }
    if (decision.triage === 'on_the_spot') {
      // Solved where it was found: report and close in one step, with the photos as evidence.
      const handling = { note: body.description, evidence: body.evidence };
      const closing = decideTransition(
        { state: 'reported', reporterSubject: principal.subject, heldFrom: null, closedAt: null, rating: null, pendingExtensionMinutes: null },
        { action: 'self_handle', actor: principal, now, ...handling },
        { reopenWindowMinutes: this.rules.rules.reopenWindowMinutes },
      );
      this.changes.apply(entity, closing, handling, principal, now);
      await this.workflow.record(tx, entity, closing, handling, principal, now);
    }
    return entity;
  }

  /** A case as staff see it; only within the caller's org unit subtree. */
  async get(principal: Principal, id: string): Promise<CaseView> {
    return this.workflow.view(await this.load(principal, id), principal);
  }

  /** The case, or CASE.NOT_FOUND when it is missing or outside the caller's subtree (existence is not disclosed). */
  async load(principal: Principal, id: string): Promise<Case> {
    const entity = await this.cases.findById(this.orm.em.fork(), id);
    if (!entity || !isWithinScope(principal.orgUnit, entity.gridCode) || !withinDepartment(principal, entity)) throw new DomainError('CASE.NOT_FOUND', `no case ${id}`);
    return entity;
  }

  async openCases(under: string): Promise<{ open: number; byGrid: Record<string, number> }> {
    const byGrid = await this.cases.openByGrid(this.orm.em.fork(), under);
    return { open: Object.values(byGrid).reduce((a, b) => a + b, 0), byGrid };
  }

  private replay(earlier: Case, requestHash: string, idempotencyKey: string): ReportOutcome {
    if (earlier.requestHash !== requestHash) {
      throw new DomainError('CASE.IDEMPOTENCY_CONFLICT', `clientId ${idempotencyKey} was already used for a different report (case ${earlier.caseNo})`);
    }
    return { ...resultOf(earlier), replayed: true };
  }
}

function resultOf(c: Case): ReportCaseResult {
  return {
    caseId: c.id,
    caseNo: c.caseNo,
    state: c.state,
    categoryCode: c.categoryCode,
    gridCode: c.gridCode,
    urgency: c.urgency,
    reportedAt: c.reportedAt.toISOString(),
    clientId: c.idempotencyKey,
  };
}

/** Hash of the report (and its extras) without its idempotency key, with keys in a stable order. */
export function hashReport(body: ReportCaseBody, extras: ReportExtras = {}): string {
  const { clientId: _ignored, ...rest } = body;
  return createHash('sha256').update(stableJson({ ...rest, attributes: extras.attributes, mediaUrl: extras.mediaUrl })).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function streetOf(gridCode: string): string {
  return OrgUnitCode.parse(gridCode).path[1]!.value;
}

function intakeEntry(c: Case, principal: Principal, role: string, body: ReportCaseBody, now: Date): CaseTransition {
  return timelineEntry(c.id, {
    action: 'report',
    to: 'reported',
    at: now,
    subject: principal.subject,
    role,
    unit: principal.orgUnit,
    location: c.location,
    note: body.description,
    attachments: body.evidence ?? [],
    details: { channel: c.channel, triage: c.triage, urgency: c.urgency },
  });
}

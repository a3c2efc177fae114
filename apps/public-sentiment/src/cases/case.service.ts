import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainError, Events, type Principal, type ReportCaseBody, type ReportCaseResult } from '@gm/contracts';
import { CategoryCatalogue, decideIntake, formatCaseNo, isWithinScope, summarize, type IntakeChannel } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { point } from '@gm/persistence';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { Case } from './case.entity';
import { CaseRepository } from './case.repository';

export interface ReportOutcome extends ReportCaseResult {
  /** True when this answer repeats the one given to an earlier request with the same key. */
  readonly replayed: boolean;
}

export interface CaseView {
  readonly id: string;
  readonly caseNo: string;
  readonly state: string;
  readonly categoryCode: string;
  readonly urgency: string;
  readonly gridCode: string;
  readonly location: { latitude: number; longitude: number };
  readonly address: string | null;
  readonly description: string;
  readonly reportedAt: string;
  readonly channel: string;
}

@Injectable()
export class CaseService {
  private readonly catalogue = new CategoryCatalogue();

  constructor(
    private readonly orm: MikroORM,
    private readonly cases: CaseRepository,
    private readonly outbox: Outbox,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a reported case in state `reported` and its `gm.case.reported.v1` event in one
   * transaction. Idempotent per reporter and key: a replay returns the first answer and stores
   * nothing; the same key with a different report is a conflict.
   */
  async report(principal: Principal, body: ReportCaseBody, channel: IntakeChannel, idempotencyKey: string): Promise<ReportOutcome> {
    const decision = decideIntake(
      { principal, channel, categoryCode: body.categoryCode, gridCode: body.gridCode, urgency: body.urgency, tierCode: this.config.tier },
      this.catalogue,
    );
    const requestHash = hashReport(body);
    const em = this.orm.em.fork();

    const earlier = await this.cases.findByIdempotencyKey(em, principal.subject, idempotencyKey);
    if (earlier) return this.replay(earlier, requestHash, idempotencyKey);

    const now = new Date();
    const entity = new Case();
    entity.id = randomUUID();
    entity.state = 'reported';
    entity.categoryCode = decision.category.code;
    entity.urgency = decision.urgency;
    entity.gridCode = decision.gridCode;
    entity.location = point(body.location.longitude, body.location.latitude);
    entity.locationAccuracyM = body.location.accuracy ?? null;
    entity.address = body.address ?? null;
    entity.description = body.description;
    entity.occurredAt = body.occurredAt ? new Date(body.occurredAt) : null;
    entity.reportedAt = now;
    entity.channel = channel;
    entity.reporterSubject = principal.subject;
    entity.reporterRole = decision.reporterRole;
    entity.reporterUnit = principal.orgUnit;
    entity.idempotencyKey = idempotencyKey;
    entity.requestHash = requestHash;

    try {
      await em.transactional(async (tx) => {
        entity.caseNo = formatCaseNo(this.config.tier, now, await this.cases.nextSequence(tx), this.config.own.CASE_TIME_ZONE);
        this.cases.add(tx, entity);
        this.outbox.add(
          tx,
          Events.caseReported,
          {
            caseId: entity.id,
            caseNo: entity.caseNo,
            state: entity.state,
            categoryCode: entity.categoryCode,
            urgency: entity.urgency,
            gridCode: entity.gridCode,
            location: { latitude: body.location.latitude, longitude: body.location.longitude },
            summary: summarize(body.description),
            channel,
            reportedAt: now.toISOString(),
            reporter: { subject: principal.subject, role: decision.reporterRole },
          },
          entity.id,
        );
      });
    } catch (err) {
      // Two copies of one report raced; the other one won. Answer as a replay.
      if (err instanceof UniqueConstraintViolationException) {
        const winner = await this.cases.findByIdempotencyKey(this.orm.em.fork(), principal.subject, idempotencyKey);
        if (winner) return this.replay(winner, requestHash, idempotencyKey);
      }
      throw err;
    }
    this.outbox.committed();
    this.logger.event('info', 'case.reported', { caseId: entity.id, caseNo: entity.caseNo, category: entity.categoryCode, grid: entity.gridCode, urgency: entity.urgency }, 'CaseService');
    return { ...resultOf(entity), replayed: false };
  }

  /** A case as staff see it; only within the caller's org unit subtree. */
  async get(principal: Principal, id: string): Promise<CaseView> {
    const entity = await this.cases.findById(this.orm.em.fork(), id);
    if (!entity) throw new DomainError('CASE.NOT_FOUND', `no case ${id}`);
    if (!isWithinScope(principal.orgUnit, entity.gridCode)) {
      // Same answer as for a missing case: existence outside one's scope is not disclosed.
      throw new DomainError('CASE.NOT_FOUND', `no case ${id}`);
    }
    const [longitude, latitude] = entity.location.coordinates;
    return {
      id: entity.id,
      caseNo: entity.caseNo,
      state: entity.state,
      categoryCode: entity.categoryCode,
      urgency: entity.urgency,
      gridCode: entity.gridCode,
      location: { latitude, longitude },
      address: entity.address ?? null,
      description: entity.description,
      reportedAt: entity.reportedAt.toISOString(),
      channel: entity.channel,
    };
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

/** Hash of the report without its idempotency key, with keys in a stable order. */
export function hashReport(body: ReportCaseBody): string {
  const { clientId: _ignored, ...rest } = body;
  return createHash('sha256').update(stableJson(rest)).digest('hex');
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

import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  DomainError,
  type DeliveryView,
  type FieldError,
  type Principal,
  type SubscriptionView,
  type deliveryQuerySchema,
  type replaySchema,
  type secretRotationSchema,
  type subscriptionCreateSchema,
  type subscriptionUpdateSchema,
} from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { CatalogueProvider, SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { DepartmentService } from '../departments/department.service';
import { matches, type DepartmentRemit } from './remit';
import { SubscriptionRepository, type DeliveryRow, type SecretRow, type SubscriptionRow } from './subscription.repository';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookTargets } from './webhook-target';

type CreateBody = z.output<typeof subscriptionCreateSchema>;
type UpdateBody = z.output<typeof subscriptionUpdateSchema>;

const REPLAY_PAGE = 2000;

/**
 * Departments' webhook subscriptions (ADR 0014). A department user manages its own department's;
 * an administrator any department's. Another department's subscription is 404 (not there, for the caller).
 */
@Injectable()
export class SubscriptionService {
  private readonly targets: WebhookTargets;

  constructor(
    private readonly repo: SubscriptionRepository,
    private readonly departments: DepartmentService,
    private readonly catalogue: CatalogueProvider,
    private readonly deliverer: WebhookDeliverer,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    this.targets = new WebhookTargets(config.own.WEBHOOK_ALLOW_HOSTS);
  }

  async list(principal: Principal, department?: string): Promise<SubscriptionView[]> {
    const own = ownDepartment(principal);
    const rows = await this.repo.list(own ?? department);
    return this.views(rows);
  }

  async get(principal: Principal, id: string): Promise<SubscriptionView> {
    return (await this.views([await this.visible(principal, id)]))[0]!;
  }

  async create(principal: Principal, body: CreateBody): Promise<SubscriptionView & { secret: string }> {
    const own = ownDepartment(principal);
    const problems: FieldError[] = [];
    const department = own ?? body.department;
    if (!department) problems.push({ field: 'department', message: 'name the department that subscribes' });
    else if (own && body.department && body.department !== own) problems.push({ field: 'department', message: `you subscribe for your own department (${own}) only` });
    const remit = department ? await this.remitOf(department) : undefined;
    if (department && !remit) problems.push({ field: 'department', message: `no department ${department} in this tier's category catalogue` });
    if (remit) problems.push(...(await this.filterProblems(remit, body.filters)));
    const urlProblem = await this.targets.problem(body.url);
    if (urlProblem) problems.push({ field: 'url', message: urlProblem });
    if (problems.length > 0) throw DomainError.validation(problems);
    const secret = body.secret ?? newSecret();
    const id = randomUUID();
    await this.repo.insert({
      id,
      department: department!,
      url: body.url,
      description: body.description,
      eventTypes: body.filters.eventTypes,
      categories: body.filters.categories,
      areas: body.filters.areas,
      secrets: [{ secret, createdAt: new Date().toISOString(), expiresAt: null }],
      createdBy: by(principal),
    });
    this.logger.event('info', 'subscription.created', { id, department, host: new URL(body.url).host }, 'SubscriptionService');
    return { ...(await this.get(principal, id)), secret };
  }

  async update(principal: Principal, id: string, body: UpdateBody): Promise<SubscriptionView> {
    const current = await this.visible(principal, id);
    const problems: FieldError[] = [];
    if (body.filters) {
      const remit = await this.remitOf(current.department);
      if (remit) problems.push(...(await this.filterProblems(remit, body.filters)));
    }
    if (body.url) {
      const urlProblem = await this.targets.problem(body.url);
      if (urlProblem) problems.push({ field: 'url', message: urlProblem });
    }
    if (problems.length > 0) throw DomainError.validation(problems);
    const status = body.status ?? current.status;
    await this.repo.update(id, {
      url: body.url ?? current.url,
      description: body.description ?? current.description,
      eventTypes: body.filters?.eventTypes ?? [...current.eventTypes],
      categories: body.filters?.categories ?? [...current.categories],
      areas: body.filters?.areas ?? [...current.areas],
      status,
      disabledReason: status === 'active' ? null : body.status === 'disabled' ? `by ${by(principal)}` : current.disabledReason,
    });
    if (status !== current.status) await this.repo.park(id, status === 'disabled');
    this.logger.event('info', 'subscription.updated', { id, status }, 'SubscriptionService');
    if (status === 'active') this.deliverer.wake();
    return this.get(principal, id);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.visible(principal, id);
    await this.repo.delete(id);
    this.logger.event('info', 'subscription.deleted', { id }, 'SubscriptionService');
  }

  /** A new secret signs from now on; the previous ones keep signing beside it until `overlapMinutes` have passed. */
  async rotateSecret(principal: Principal, id: string, body: z.output<typeof secretRotationSchema>): Promise<{ secret: string; previousExpiresAt: string | null }> {
    const current = await this.visible(principal, id);
    const now = Date.now();
    const until = new Date(now + body.overlapMinutes * 60_000).toISOString();
    const kept = current.secrets
      .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now)
      .map((s): SecretRow => ({ ...s, expiresAt: s.expiresAt === null || Date.parse(s.expiresAt) > Date.parse(until) ? until : s.expiresAt }))
      .filter((s) => Date.parse(s.expiresAt!) > now);
    const secret = body.secret ?? newSecret();
    await this.repo.setSecrets(id, [{ secret, createdAt: new Date(now).toISOString(), expiresAt: null }, ...kept]);
    this.logger.event('info', 'subscription.secret_rotated', { id, overlapMinutes: body.overlapMinutes }, 'SubscriptionService');
    return { secret, previousExpiresAt: kept.length > 0 ? until : null };
  }

  async deliveries(principal: Principal, id: string, q: z.output<typeof deliveryQuerySchema>): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    await this.visible(principal, id);
    const rows = await this.repo.deliveries(id, q);
    return { items: rows.map(deliveryView), nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null };
  }

  async delivery(principal: Principal, id: string, deliveryId: string): Promise<DeliveryView & { log: { at: string; statusCode: number | null; latencyMs: number; error: string | null }[] }> {
    await this.visible(principal, id);
    const row = /^\d{1,18}$/.test(deliveryId) ? await this.repo.delivery(id, deliveryId) : undefined;
    if (!row) throw new DomainError('DELIVERY.NOT_FOUND', `no delivery ${deliveryId} of subscription ${id}`);
    const log = await this.repo.attempts(deliveryId);
    return { ...deliveryView(row), log: log.map((a) => ({ ...a, at: new Date(a.at).toISOString() })) };
  }

  /** Sends a dead-lettered delivery again, with a fresh retry horizon. */
  async redeliver(principal: Principal, id: string, deliveryId: string): Promise<DeliveryView> {
    await this.visible(principal, id);
    const row = /^\d{1,18}$/.test(deliveryId) ? await this.repo.delivery(id, deliveryId) : undefined;
    if (!row) throw new DomainError('DELIVERY.NOT_FOUND', `no delivery ${deliveryId} of subscription ${id}`);
    if (row.status !== 'dead') throw DomainError.validation([{ field: 'deliveryId', message: `the delivery is ${row.status}; only dead-lettered deliveries are sent again by hand` }]);
    if (!(await this.repo.redeliver(id, deliveryId)))
      throw DomainError.validation([{ field: 'deliveryId', message: 'the same event is waiting to be sent to this subscription already (a replay or an earlier re-delivery)' }]);
    this.logger.event('info', 'subscription.redelivery', { id, deliveryId }, 'SubscriptionService');
    this.deliverer.wake();
    return deliveryView((await this.repo.delivery(id, deliveryId))!);
  }

  async redeliverDead(principal: Principal, id: string): Promise<{ queued: number }> {
    await this.visible(principal, id);
    const queued = await this.repo.redeliverAllDead(id);
    this.logger.event('info', 'subscription.redelivery', { id, queued }, 'SubscriptionService');
    this.deliverer.wake();
    return { queued };
  }

  /** Queues again every logged event since a time (inclusive) or after an event, that the subscription takes now. */
  async replay(principal: Principal, id: string, body: z.output<typeof replaySchema>): Promise<{ queued: number }> {
    const sub = await this.visible(principal, id);
    let from: { afterSeq: string } | { since: string };
    if (body.afterEventId) {
      const seq = await this.repo.seqOfEvent(body.afterEventId);
      if (!seq) throw DomainError.validation([{ field: 'afterEventId', message: `no event ${body.afterEventId} in the kept log (kept for CASE_EVENT_LOG_DAYS)` }]);
      from = { afterSeq: seq };
    } else {
      from = { since: body.since! };
    }
    const remit = await this.remitOf(sub.department);
    let queued = 0;
    if (remit) {
      for (;;) {
        const page = await this.repo.loggedEvents(from, REPLAY_PAGE);
        if (page.length === 0) break;
        const current = await this.repo.caseDepartments(undefined, page.map((e) => e.facts.caseKey));
        const rows = page
          .filter((e) => matches(sub, remit, e.facts, current.get(e.facts.caseKey)))
          .map((e) => ({ subscriptionId: sub.id, seq: e.seq, eventId: e.facts.id, caseKey: e.facts.caseKey, replay: true }));
        queued += await this.repo.transaction((db) => this.repo.enqueue(db, rows));
        if (sub.status === 'disabled') await this.repo.park(sub.id, true);
        from = { afterSeq: page[page.length - 1]!.seq };
        if (page.length < REPLAY_PAGE) break;
      }
    }
    this.logger.event('info', 'subscription.replay', { id, queued, from: body.since ? 'time' : 'event' }, 'SubscriptionService');
    this.deliverer.wake();
    return { queued };
  }

  /** Every department's remit: the categories the catalogue gives it and the areas service-office keeps. */
  async remits(): Promise<Map<string, DepartmentRemit>> {
    const list = await this.departments.list();
    return new Map(list.map((d) => [d.code, { code: d.code, categories: new Set(d.categories), areas: d.areas }]));
  }

  private async remitOf(department: string): Promise<DepartmentRemit | undefined> {
    return (await this.remits()).get(department);
  }

  private async filterProblems(remit: DepartmentRemit, filters: { categories: readonly string[]; areas: readonly string[] }): Promise<FieldError[]> {
    const catalogue = await this.catalogue.current();
    const known = new Set(catalogue.list().map((c) => c.code));
    const problems: FieldError[] = [];
    filters.categories.forEach((c, i) => {
      if (!known.has(c)) problems.push({ field: `filters.categories.${i}`, message: `no category ${c} in this tier's catalogue` });
      else if (!remit.categories.has(c)) problems.push({ field: `filters.categories.${i}`, message: `${c} is not a category of ${remit.code}` });
    });
    filters.areas.forEach((a, i) => {
      if (!remit.areas.some((r) => isWithinScope(r, a))) problems.push({ field: `filters.areas.${i}`, message: `${a} is outside the areas ${remit.code} serves (${remit.areas.join(', ')})` });
    });
    return problems;
  }

  private async visible(principal: Principal, id: string): Promise<SubscriptionRow> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.repo.one(id) : undefined;
    const own = ownDepartment(principal);
    if (!row || (own !== undefined && row.department !== own)) throw new DomainError('SUBSCRIPTION.NOT_FOUND', `no subscription ${id} of your department`);
    return row;
  }

  private async views(rows: readonly SubscriptionRow[]): Promise<SubscriptionView[]> {
    const counts = await this.repo.counts(rows.map((r) => r.id));
    const now = Date.now();
    return rows.map((r) => ({
      id: r.id,
      department: r.department,
      url: r.url,
      description: r.description,
      filters: { eventTypes: [...r.eventTypes], categories: [...r.categories], areas: [...r.areas] },
      status: r.status,
      disabledReason: r.disabledReason,
      secrets: r.secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now).map((s) => ({ hint: s.secret.slice(-4), createdAt: s.createdAt, expiresAt: s.expiresAt })),
      counts: counts.get(r.id) ?? { pending: 0, delivered: 0, dead: 0 },
      createdBy: r.createdBy,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    }));
  }
}

/** A department user's own department (the only one it may manage); undefined for an administrator. */
function ownDepartment(principal: Principal): string | undefined {
  if (principal.roles.includes('admin')) return undefined;
  // Without a department in the token, a department user manages none.
  return principal.department ?? '(none)';
}

function by(principal: Principal): string {
  return principal.username ?? principal.subject;
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    eventId: r.eventId,
    eventType: r.eventType,
    caseNo: r.caseNo,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    lastLatencyMs: r.lastLatencyMs,
    nextAttemptAt: r.status === 'pending' ? new Date(r.nextAttemptAt).toISOString() : null,
    createdAt: new Date(r.createdAt).toISOString(),
    deliveredAt: r.deliveredAt ? new Date(r.deliveredAt).toISOString() : null,
    replay: r.replay,
  };
}

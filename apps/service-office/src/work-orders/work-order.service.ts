import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { z } from 'zod';
import {
  createCloudEvent,
  DomainError,
  WORK_ORDER_EVENT_OF,
  WORK_ORDER_FINAL,
  type CloudEvent,
  type FieldError,
  type Principal,
  type Role,
  type WorkOrderAction,
  type WorkOrderDetail,
  type WorkOrderKpi,
  type WorkOrderView,
  type workOrderArriveSchema,
  type workOrderCreateSchema,
  type workOrderQuerySchema,
  type workOrderResolveSchema,
} from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { DepartmentService } from '../departments/department.service';
import { InboxRepository, type NewMessage } from '../notifications/inbox.repository';
import { departmentRecipient } from '../notifications/inbox.service';
import { workOrderMessage } from '../notifications/templates';
import { AddressedEvents } from '../subscriptions/addressed-events';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';
import { distanceM } from './geo';
import { WorkOrderRepository, type NewWorkOrder, type StepRow, type WorkOrderRow, type WorkOrderScope } from './work-order.repository';
import { roleOf, readsWholeTier } from '../principal';

type CreateBody = z.output<typeof workOrderCreateSchema>;
type Query = z.output<typeof workOrderQuerySchema>;

/** Who may whistle: community, street and district staff. */
export const WHISTLERS: readonly Role[] = ['community-staff', 'street-staff', 'district-staff'];
/** Who may read work orders: the whistlers and their leaders, departments (their own), administrators and auditors. */
export const WORK_ORDER_READERS: readonly Role[] = ['grid-leader', ...WHISTLERS, 'department', 'admin', 'auditor'];

/** A step and what it needs besides the actor. */
export type StepInput =
  | { action: 'acknowledge'; note?: string | undefined }
  | ({ action: 'arrive' } & z.output<typeof workOrderArriveSchema>)
  | ({ action: 'resolve' } & z.output<typeof workOrderResolveSchema>)
  | { action: 'decline'; reason: string }
  | { action: 'urge'; note?: string | undefined }
  | { action: 'withdraw'; reason: string };

/** Which states each step may start from, and who takes it. */
const STEPS: Record<Exclude<WorkOrderAction, 'whistle'>, { from: readonly string[]; by: 'department' | 'whistler' }> = {
  acknowledge: { from: ['whistled'], by: 'department' },
  arrive: { from: ['whistled', 'acknowledged'], by: 'department' },
  resolve: { from: ['arrived'], by: 'department' },
  decline: { from: ['whistled', 'acknowledged', 'arrived'], by: 'department' },
  urge: { from: ['whistled', 'acknowledged', 'arrived'], by: 'whistler' },
  withdraw: { from: ['whistled', 'acknowledged', 'arrived'], by: 'whistler' },
};

const SYSTEM = { subject: 'system', role: 'scheduler', name: null } as const;
const OVERDUE_NOTE = {
  respond: { zh: '（超过响应时限）', en: '(not answered in time)' },
  arrive: { zh: '（超过到场时限）', en: '(not on site in time)' },
  resolve: { zh: '（超过办结时限）', en: '(not resolved in time)' },
} as const;

/**
 * Work orders (吹哨报到): a unit whistles departments, each answers, checks in on site and resolves
 * or declines; every step is a receipt and an event to the department (its NATS feed and webhooks);
 * a time limit missed is urged once by the scheduler, and the whistler may urge by hand.
 */
@Injectable()
export class WorkOrderService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly repo: WorkOrderRepository,
    private readonly cases: SubscriptionRepository,
    private readonly departments: DepartmentService,
    private readonly events: AddressedEvents,
    private readonly inbox: InboxRepository,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.own.URGE_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  async create(principal: Principal, body: CreateBody): Promise<WorkOrderView[]> {
    const role = roleOf(principal, WHISTLERS);
    const now = new Date();
    const problems: FieldError[] = [];
    const names = await this.departmentNames();
    const known = new Set(names.keys());
    body.departments.forEach((d, i) => {
      if (!known.has(d)) problems.push({ field: `departments.${i}`, message: `no department ${d} in this tier's category catalogue` });
    });
    if (new Set(body.departments).size !== body.departments.length) problems.push({ field: 'departments', message: 'a department is named twice' });
    const arriveBy = new Date(body.arriveBy);
    const deadline = new Date(body.deadline);
    if (arriveBy <= now) problems.push({ field: 'arriveBy', message: 'arriveBy must be in the future' });
    if (deadline < arriveBy) problems.push({ field: 'deadline', message: 'deadline must not be before arriveBy' });
    let linked: { caseKey: string; categoryCode: string | null; gridCode: string | null } | undefined;
    if (body.caseNo) {
      linked = await this.cases.caseByNo(body.caseNo);
      if (!linked) problems.push({ field: 'caseNo', message: `no case ${body.caseNo} is known at this tier` });
      else if (!linked.gridCode || !isWithinScope(principal.orgUnit, linked.gridCode)) problems.push({ field: 'caseNo', message: `case ${body.caseNo} is outside your area (${principal.orgUnit})` });
    }
    const gridCode = body.gridCode ?? linked?.gridCode ?? principal.orgUnit;
    if (body.gridCode && !isWithinScope(principal.orgUnit, body.gridCode)) problems.push({ field: 'gridCode', message: `${body.gridCode} is outside your area (${principal.orgUnit})` });
    if (problems.length > 0) throw DomainError.validation(problems);

    const respondBy = new Date(Math.min(now.getTime() + (body.respondWithinMinutes ?? this.config.own.WORK_ORDER_RESPOND_MINUTES) * 60_000, arriveBy.getTime()));
    const actor = { subject: principal.subject, role, name: principal.username ?? null };
    const fresh: NewWorkOrder[] = body.departments.map((department) => ({
      id: randomUUID(),
      department,
      caseKey: linked?.caseKey ?? null,
      caseNo: linked ? body.caseNo! : null,
      categoryCode: linked?.categoryCode ?? null,
      gridCode,
      orgUnit: principal.orgUnit,
      title: body.title,
      needed: body.needed,
      address: body.place.address,
      latitude: body.place.location?.latitude ?? null,
      longitude: body.place.location?.longitude ?? null,
      whistledBy: principal.subject,
      whistledAt: now,
      respondBy,
      arriveBy,
      deadline,
    }));
    const { rows, events, queued } = await this.repo.transaction(async (db) => {
      const rows = await this.repo.insert(db, fresh);
      for (const r of rows) await this.repo.addStep(db, step(r.id, 'whistle', now, actor, { note: body.needed }));
      const events = rows.map((r) => this.eventOf(r, 'whistle', now, actor));
      await this.inbox.add(db, rows.map((r, i) => this.messageOf(r, 'whistle', events[i]!.id, names, null)).filter((m): m is NewMessage => m !== undefined));
      return { rows, events, queued: await this.events.record(db, events) };
    });
    await this.events.committed(events, queued);
    this.logger.event('info', 'work-order.whistled', { departments: body.departments, caseNo: body.caseNo ?? null, orgUnit: principal.orgUnit }, 'WorkOrderService');
    return rows.map((r) => viewOf(r, now));
  }

  async list(principal: Principal, q: Query): Promise<{ items: WorkOrderView[]; total: number; limit: number; offset: number }> {
    const now = new Date();
    const { rows, total } = await this.repo.page(scopeOf(principal), q, now);
    return { items: rows.map((r) => viewOf(r, now)), total, limit: q.limit, offset: q.offset };
  }

  async get(principal: Principal, id: string): Promise<WorkOrderDetail> {
    const { row, steps } = await this.repo.withSteps(id);
    if (!row || !visible(scopeOf(principal), row)) throw new DomainError('WORK_ORDER.NOT_FOUND', `no work order ${id} of yours`);
    return { ...viewOf(row, new Date()), receipts: steps.map(receiptOf) };
  }

  /** A department's answer, check-in, resolution or decline, or the whistler's urge or withdrawal. */
  async act(principal: Principal, id: string, input: StepInput): Promise<WorkOrderDetail> {
    const rule = STEPS[input.action];
    const now = new Date();
    const names = await this.departmentNames();
    const { events, queued } = await this.repo.transaction(async (db) => {
      const row = await this.repo.lock(db, id);
      if (!row || !visible(scopeOf(principal), row)) throw new DomainError('WORK_ORDER.NOT_FOUND', `no work order ${id} of yours`);
      const role = this.mayTake(principal, row, rule.by, input.action);
      if (!rule.from.includes(row.status)) {
        throw new DomainError('WORK_ORDER.STEP_NOT_ALLOWED', `a work order that is ${row.status} cannot take "${input.action}" (it can from: ${rule.from.join(', ')})`);
      }
      const actor = { subject: principal.subject, role, name: principal.username ?? null };
      let updated: WorkOrderRow;
      let extra: Partial<StepRow> = {};
      switch (input.action) {
        case 'acknowledge':
          updated = await this.repo.update(db, id, { status: 'acknowledged', acknowledgedAt: now });
          extra = { note: input.note ?? null };
          break;
        case 'arrive': {
          const d = row.latitude !== null && row.longitude !== null ? distanceM({ latitude: row.latitude, longitude: row.longitude }, input.location) : null;
          const radius = this.config.own.WORK_ORDER_ARRIVAL_RADIUS_M;
          if (d !== null && d > radius) {
            throw DomainError.validation([{ field: 'location', message: `you are ${Math.round(d)} m from the place (${row.address}); check in on site, within ${radius} m` }]);
          }
          updated = await this.repo.update(db, id, { status: 'arrived', acknowledgedAt: now, arrivedAt: now });
          extra = { note: input.note ?? null, latitude: input.location.latitude, longitude: input.location.longitude, distanceM: d === null ? null : Math.round(d) };
          break;
        }
        case 'resolve':
          updated = await this.repo.update(db, id, { status: 'resolved', closedAt: now });
          extra = { note: input.note, evidence: input.evidence };
          break;
        case 'decline':
          updated = await this.repo.update(db, id, { status: 'declined', acknowledgedAt: now, closedAt: now });
          extra = { note: input.reason };
          break;
        case 'urge':
          updated = await this.repo.update(db, id, { urged: true });
          extra = { note: input.note ?? null };
          break;
        case 'withdraw':
          updated = await this.repo.update(db, id, { status: 'withdrawn', closedAt: now });
          extra = { note: input.reason };
          break;
      }
      await this.repo.addStep(db, step(id, input.action, now, actor, extra));
      const events = [this.eventOf(updated, input.action, now, actor)];
      const message = this.messageOf(updated, input.action, events[0]!.id, names, extra.note ?? null);
      if (message) await this.inbox.add(db, [message]);
      return { events, queued: await this.events.record(db, events) };
    });
    await this.events.committed(events, queued);
    this.logger.event('info', 'work-order.step', { id, action: input.action }, 'WorkOrderService');
    return this.get(principal, id);
  }

  async kpis(principal: Principal, from: Date, to: Date): Promise<WorkOrderKpi[]> {
    const rows = await this.repo.kpis(scopeOf(principal), from, to, new Date());
    const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 1000);
    return rows.map((r) => ({
      ...r,
      responseRate: ratio(r.respondedOnTime, r.respondDue),
      onTimeArrivalRate: ratio(r.arrivedOnTime, r.arriveDue),
      resolutionRate: ratio(r.resolved, r.resolveDue),
    }));
  }

  /** Urges every open work order that has just missed a time limit, once per limit (督办). Several instances share the work (rows are locked). */
  sweep(now = new Date()): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        for (;;) {
          const names = await this.departmentNames();
          const { events, queued } = await this.repo.transaction(async (db) => {
            const due = await this.repo.overdueToUrge(db, now, 100);
            const events: CloudEvent[] = [];
            for (const { row, missed } of due) {
              const updated = await this.repo.update(db, row.id, { urged: true, urgedLimit: missed });
              await this.repo.addStep(db, step(row.id, 'urge', now, SYSTEM, { overdue: missed }));
              const event = this.eventOf(updated, 'urge', now, SYSTEM, missed);
              events.push(event);
              const message = this.messageOf(updated, 'urge', event.id, names, OVERDUE_NOTE[missed]);
              if (message) await this.inbox.add(db, [message]);
            }
            return { events, queued: await this.events.record(db, events) };
          });
          if (events.length === 0) break;
          await this.events.committed(events, queued);
          this.logger.event('info', 'work-order.urged', { count: events.length }, 'WorkOrderService');
        }
      } catch (err) {
        this.logger.event('error', 'work-order.urge-failed', { error: err instanceof Error ? err.message : String(err) }, 'WorkOrderService');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private async departmentNames(): Promise<Map<string, { zh: string; en: string }>> {
    return new Map((await this.departments.list()).map((d) => [d.code, { zh: d.nameZh, en: d.nameEn }]));
  }

  /** The inbox message a step leaves: for the department (whistle, urge) or for the whistler (the department's steps). */
  private messageOf(r: WorkOrderRow, action: WorkOrderAction, eventId: string, names: Map<string, { zh: string; en: string }>, note: string | { zh: string; en: string } | null): NewMessage | undefined {
    const text = workOrderMessage(action, { no: r.no, title: r.title, department: names.get(r.department) ?? { zh: r.department, en: r.department }, note });
    if (!text) return undefined;
    const recipient = action === 'whistle' || action === 'urge' ? departmentRecipient(r.department) : r.whistledBy;
    return { recipient, kind: 'work-order', sourceId: eventId, title: text.title, body: text.body, ref: { type: 'work-order', id: r.id, no: r.no } };
  }

  /** The caller's role for this step, or 403/404. */
  private mayTake(principal: Principal, row: WorkOrderRow, by: 'department' | 'whistler', action: string): Role {
    if (by === 'department') {
      if (!principal.roles.includes('department')) throw new DomainError('AUTH.FORBIDDEN', `only the whistled department may ${action} a work order`);
      if (principal.department !== row.department) throw new DomainError('WORK_ORDER.NOT_FOUND', `no work order ${row.id} of yours`);
      return 'department';
    }
    const role = principal.roles.find((r) => WHISTLERS.includes(r));
    if (!role || !isWithinScope(principal.orgUnit, row.orgUnit)) throw new DomainError('AUTH.FORBIDDEN', `only staff of the whistling unit (${row.orgUnit}) or above may ${action} this work order`);
    return role;
  }

  private eventOf(r: WorkOrderRow, action: WorkOrderAction, at: Date, actor: { subject: string; role: string }, overdue?: 'respond' | 'arrive' | 'resolve'): CloudEvent {
    return createCloudEvent(
      WORK_ORDER_EVENT_OF[action],
      {
        workOrderId: r.id,
        no: r.no,
        department: r.department,
        action,
        status: r.status,
        ...(r.caseNo !== null && { caseNo: r.caseNo }),
        ...(r.categoryCode !== null && { categoryCode: r.categoryCode }),
        gridCode: r.gridCode,
        orgUnit: r.orgUnit,
        at: at.toISOString(),
        actor: { subject: actor.subject, role: actor.role },
        respondBy: new Date(r.respondBy).toISOString(),
        arriveBy: new Date(r.arriveBy).toISOString(),
        deadline: new Date(r.deadline).toISOString(),
        ...(overdue && { overdue }),
      },
      { source: `${this.config.tier}/service-office`, tier: this.config.tier, subject: r.id, time: at },
    );
  }
}

export function scopeOf(principal: Principal): WorkOrderScope {
  if (readsWholeTier(principal)) return { all: true };
  if (principal.roles.includes('department')) return { department: principal.department ?? '(none)' };
  return { under: principal.orgUnit };
}

function visible(scope: WorkOrderScope, row: WorkOrderRow): boolean {
  if ('all' in scope) return true;
  if ('department' in scope) return row.department === scope.department;
  return isWithinScope(scope.under, row.orgUnit);
}

function step(workOrderId: string, action: WorkOrderAction, at: Date, actor: { subject: string; role: string; name: string | null }, extra: Partial<StepRow>): StepRow {
  return {
    workOrderId,
    action,
    at,
    actorSubject: actor.subject,
    actorRole: actor.role,
    actorName: actor.name,
    note: null,
    evidence: [],
    latitude: null,
    longitude: null,
    distanceM: null,
    overdue: null,
    ...extra,
  };
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export function viewOf(r: WorkOrderRow, now: Date): WorkOrderView {
  const open = !WORK_ORDER_FINAL.includes(r.status);
  const overdue: WorkOrderView['overdue'] = [];
  if (open && r.acknowledgedAt === null && new Date(r.respondBy) < now) overdue.push('respond');
  if (open && r.arrivedAt === null && new Date(r.arriveBy) < now) overdue.push('arrive');
  if (open && new Date(r.deadline) < now) overdue.push('resolve');
  return {
    id: r.id,
    no: r.no,
    department: r.department,
    status: r.status,
    caseNo: r.caseNo,
    categoryCode: r.categoryCode,
    gridCode: r.gridCode,
    orgUnit: r.orgUnit,
    title: r.title,
    needed: r.needed,
    place: { address: r.address, location: r.latitude !== null && r.longitude !== null ? { latitude: r.latitude, longitude: r.longitude } : null },
    whistledBy: r.whistledBy,
    whistledAt: iso(r.whistledAt)!,
    respondBy: iso(r.respondBy)!,
    arriveBy: iso(r.arriveBy)!,
    deadline: iso(r.deadline)!,
    acknowledgedAt: iso(r.acknowledgedAt),
    arrivedAt: iso(r.arrivedAt),
    closedAt: iso(r.closedAt),
    urgeCount: r.urgeCount,
    overdue,
  };
}

function receiptOf(s: StepRow): WorkOrderDetail['receipts'][number] {
  return {
    action: s.action,
    at: iso(s.at)!,
    actor: { subject: s.actorSubject, role: s.actorRole, name: s.actorName },
    note: s.overdue ? `overdue: ${s.overdue}` : s.note,
    evidence: [...s.evidence],
    location: s.latitude !== null && s.longitude !== null ? { latitude: s.latitude, longitude: s.longitude } : null,
    distanceM: s.distanceM,
  };
}

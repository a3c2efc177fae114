import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { z } from 'zod';
import {
  createCloudEvent,
  DEPARTMENT_CASE_ACTIONS,
  DEPARTMENT_WORK_ORDER_ACTIONS,
  departmentCommandDownV1,
  departmentCommandOutcomeV1,
  DomainError,
  durableName,
  Events,
  isEventOf,
  namespace,
  Rpc,
  scopedSubject,
  type CaseAction,
  type CloudEvent,
  type DepartmentCommandDownV1,
  type DepartmentCommandView,
  type FieldError,
  type Principal,
  type departmentCommandCreateSchema,
} from '@gm/contracts';
import { isWithinScope, OrgUnitCode } from '@gm/domain';
import { DOWNLINK_IN, DurableConsumers, JetStreamService, NatsClient, RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { AddressedEvents } from '../subscriptions/addressed-events';
import { CaseEventFanOut } from '../subscriptions/case-event-fan-out';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';
import { WorkOrderService, type StepInput } from '../work-orders/work-order.service';
import { DepartmentCommandRepository, type CommandRow } from './department-command.repository';
import { readsWholeTier } from '../principal';

export const DEPT_COMMANDS_DURABLE = durableName('service-office', 'dept-commands');

type CreateBody = z.output<typeof departmentCommandCreateSchema>;
type Outcome = { outcome: 'applied' | 'refused'; reason: string | null };

/** What each action needs, checked where the department acts (the owning tier checks again). */
const NEEDS: Record<string, readonly ('note' | 'reason' | 'evidence' | 'extensionMinutes' | 'location')[]> = {
  start: [],
  handle: ['note', 'evidence'],
  return: ['reason'],
  request_extension: ['reason', 'extensionMinutes'],
  acknowledge: [],
  arrive: ['location'],
  resolve: ['note', 'evidence'],
  decline: ['reason'],
};

/**
 * A department acts where it is connected (mostly the district) on cases dispatched to it and work
 * orders whistled to it at any tier below (ADR 0015). A target kept at this tier is acted on at once;
 * one kept below gets a command that travels down the DOWNLINK streams, relayed by each tier's
 * service-office on the way, and is applied at the owning tier as the department's step (cases
 * through that tier's public-sentiment, work orders here). The outcome goes back up with the step's
 * own events, which the department hears like every other event of its remit.
 */
@Injectable()
export class DepartmentCommandService implements OnApplicationBootstrap {
  private readonly tier: string;

  constructor(
    private readonly repo: DepartmentCommandRepository,
    private readonly log: SubscriptionRepository,
    private readonly events: AddressedEvents,
    private readonly fanOut: CaseEventFanOut,
    private readonly workOrders: WorkOrderService,
    private readonly rpc: RpcClient,
    private readonly nats: NatsClient,
    private readonly jetstream: JetStreamService,
    private readonly consumers: DurableConsumers,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    this.tier = config.tier;
  }

  onApplicationBootstrap(): void {
    this.fanOut.onApplied((events) => this.settleFrom(events));
    const code = OrgUnitCode.parse(this.tier);
    if (!this.config.own.FEDERATION_ENABLED || !code.parent) return;
    this.consumers.start({
      provisionedStream: DOWNLINK_IN,
      subjectFilter: scopedSubject(namespace(this.tier), Events.departmentCommandDown.type),
      durable: DEPT_COMMANDS_DURABLE,
      handle: (event) => this.fromParent(event),
    });
  }

  async create(principal: Principal, body: CreateBody): Promise<DepartmentCommandView> {
    const department = principal.department;
    if (!principal.roles.includes('department') || !department) throw new DomainError('AUTH.FORBIDDEN', 'only a department user (with its department in the token) acts for a department');
    const missing = (NEEDS[body.action] ?? []).filter((f) => body.body[f] === undefined || (Array.isArray(body.body[f]) && (body.body[f] as unknown[]).length === 0));
    const problems: FieldError[] = missing.map((f) => ({ field: `body.${f}`, message: `"${body.action}" needs ${f}` }));
    let target: { kind: 'case' | 'work-order'; tier: string; id: string; no: string | null };
    if (body.target.kind === 'case') {
      if (!(DEPARTMENT_CASE_ACTIONS as readonly string[]).includes(body.action)) problems.push({ field: 'action', message: `a department's step on a case is one of ${DEPARTMENT_CASE_ACTIONS.join(', ')}` });
      const found = await this.log.caseTarget(body.target.caseNo);
      const current = found ? (await this.log.caseDepartments(undefined, [found.caseKey])).get(found.caseKey) : undefined;
      if (!found || current !== department) throw new DomainError('CASE.NOT_FOUND', `no case ${body.target.caseNo} dispatched to ${department}`);
      target = { kind: 'case', tier: found.tier, id: found.caseKey, no: body.target.caseNo };
    } else {
      if (!(DEPARTMENT_WORK_ORDER_ACTIONS as readonly string[]).includes(body.action)) problems.push({ field: 'action', message: `a department's step on a work order is one of ${DEPARTMENT_WORK_ORDER_ACTIONS.join(', ')}` });
      const found = await this.log.workOrderTarget(body.target.id);
      if (!found || found.department !== department) throw new DomainError('WORK_ORDER.NOT_FOUND', `no work order ${body.target.id} whistled to ${department}`);
      target = { kind: 'work-order', tier: found.tier, id: body.target.id, no: found.no };
    }
    if (problems.length > 0) throw DomainError.validation(problems);
    if (!isWithinScope(this.tier, target.tier)) throw new DomainError('CASE.NOT_FOUND', `${target.kind} ${target.no ?? target.id} is kept at ${target.tier}, outside this tier`);

    const now = new Date();
    const command: DepartmentCommandDownV1 = {
      commandId: randomUUID(),
      department,
      target,
      action: body.action,
      body: body.body,
      actor: { subject: principal.subject, username: principal.username ?? principal.subject, unit: principal.orgUnit },
      issuedAt: now.toISOString(),
    };
    await this.repo.insert({
      id: command.commandId,
      department,
      targetKind: target.kind,
      targetTier: target.tier,
      targetId: target.id,
      targetNo: target.no,
      action: body.action,
      body: body.body,
      issuedBy: command.actor.username,
      issuedAt: now,
    });
    this.logger.event('info', 'department-command.issued', { id: command.commandId, department, kind: target.kind, tier: target.tier, action: body.action }, 'DepartmentCommandService');
    if (target.tier === this.tier) {
      const outcome = await this.execute(command);
      await this.repo.settle(command.commandId, outcome.outcome, outcome.reason, new Date());
    } else {
      await this.sendDown(this.envelopeOf(command));
    }
    return this.get(principal, command.commandId);
  }

  async list(principal: Principal, f: { status?: string | undefined; limit: number; offset: number }) {
    const { rows, total } = await this.repo.page(readsWholeTier(principal) ? undefined : (principal.department ?? '(none)'), f);
    return { items: rows.map(viewOf), total, limit: f.limit, offset: f.offset };
  }

  async get(principal: Principal, id: string): Promise<DepartmentCommandView> {
    const row = await this.repo.one(id);
    const all = readsWholeTier(principal);
    if (!row || !(all || row.department === principal.department)) throw new DomainError('DEPARTMENT_COMMAND.NOT_FOUND', `no command ${id} of your department`);
    return viewOf(row);
  }

  /** A command from the parent: applied here when this tier keeps its target, else passed to the child on the way. */
  async fromParent(event: CloudEvent): Promise<void> {
    // The consumer's filter is this one event type.
    if (!isEventOf('departmentCommandDown', event)) return;
    const command = event.data;
    if (command.target.tier === this.tier) {
      await this.execute(command);
      return;
    }
    if (!isWithinScope(this.tier, command.target.tier)) {
      this.logger.event('warn', 'department-command.misrouted', { id: command.commandId, tier: command.target.tier }, 'DepartmentCommandService');
      return;
    }
    await this.sendDown(event);
  }

  /**
   * Applies a command to a target kept here, once: the outcome is kept, and told to the department
   * (its webhooks, its feed, and the tiers above, where the command was issued). A refusal by the
   * rules (not dispatched to the department, a step its state does not allow) is an outcome; a
   * failure to reach public-sentiment is not, and the command is tried again.
   */
  private async execute(command: DepartmentCommandDownV1): Promise<Outcome> {
    const before = await this.repo.appliedBefore(command.commandId);
    if (before) return before;
    let outcome: Outcome;
    try {
      if (command.target.kind === 'case') {
        await this.rpc.request(
          Rpc.departmentStep,
          { caseId: command.target.id, action: command.action as CaseAction, body: command.body, actor: { ...command.actor, department: command.department } },
          { timeoutMs: 10_000 },
        );
      } else {
        const principal: Principal = { subject: command.actor.subject, username: command.actor.username, roles: ['department'], orgUnit: command.actor.unit, department: command.department };
        await this.workOrders.act(principal, command.target.id, stepOf(command));
      }
      outcome = { outcome: 'applied', reason: null };
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === 'SERVICE.UNAVAILABLE' || err.code === 'INTERNAL') throw err;
      outcome = { outcome: 'refused', reason: err.message.slice(0, 500) };
    }
    const event = createCloudEvent(
      departmentCommandOutcomeV1,
      {
        commandId: command.commandId,
        department: command.department,
        target: command.target,
        action: command.action,
        outcome: outcome.outcome,
        ...(outcome.reason !== null && { reason: outcome.reason }),
        at: new Date().toISOString(),
      },
      { source: `${this.tier}/service-office`, tier: this.tier, subject: command.target.id },
    );
    const queued = await this.repo.transaction(async (db) => {
      if (!(await this.repo.markApplied(db, command.commandId, outcome.outcome, outcome.reason))) return -1;
      return this.events.record(db, [event]);
    });
    if (queued >= 0) await this.events.committed([event], queued);
    this.logger.event('info', 'department-command.applied', { id: command.commandId, outcome: outcome.outcome, kind: command.target.kind, action: command.action }, 'DepartmentCommandService');
    return outcome;
  }

  /** The outcomes that came up for commands issued here. */
  private async settleFrom(events: readonly CloudEvent[]): Promise<void> {
    for (const e of events) {
      if (e.type !== Events.departmentCommandOutcome.type) continue;
      const d = e.data as { commandId: string; outcome: 'applied' | 'refused'; reason?: string };
      if (await this.repo.settle(d.commandId, d.outcome, d.reason ?? null, new Date(e.time))) {
        this.logger.event('info', 'department-command.settled', { id: d.commandId, outcome: d.outcome }, 'DepartmentCommandService');
      }
    }
  }

  /** Into the down stream of the child on the way to the target (its own `DOWNLINK_<child>`). */
  private async sendDown(event: CloudEvent<DepartmentCommandDownV1>): Promise<void> {
    const target = event.data.target.tier;
    const child = OrgUnitCode.parse(target).path.find((u) => u.parent?.toString() === this.tier)!.toString();
    const js = this.jetstream.client(await this.nats.connection());
    await js.publish(scopedSubject(namespace(child), event.type), JSON.stringify(event), { msgID: event.id });
  }

  private envelopeOf(command: DepartmentCommandDownV1): CloudEvent<DepartmentCommandDownV1> {
    return createCloudEvent(departmentCommandDownV1, command, { source: `${this.tier}/service-office`, tier: this.tier, subject: command.target.id, id: command.commandId });
  }
}

function stepOf(c: DepartmentCommandDownV1): StepInput {
  const b = c.body;
  switch (c.action) {
    case 'acknowledge':
      return { action: 'acknowledge', note: b.note };
    case 'arrive':
      if (!b.location) throw DomainError.validation([{ field: 'body.location', message: '"arrive" needs location' }]);
      return { action: 'arrive', location: b.location, note: b.note };
    case 'resolve':
      return { action: 'resolve', note: b.note ?? '', evidence: b.evidence ?? [] };
    case 'decline':
      return { action: 'decline', reason: b.reason ?? '' };
    default:
      throw DomainError.validation([{ field: 'action', message: `"${c.action}" is not a department's step on a work order` }]);
  }
}

function viewOf(r: CommandRow): DepartmentCommandView {
  return {
    id: r.id,
    department: r.department,
    target: { kind: r.targetKind, tier: r.targetTier, id: r.targetId, no: r.targetNo },
    action: r.action,
    status: r.status,
    reason: r.reason,
    issuedBy: r.issuedBy,
    issuedAt: new Date(r.issuedAt).toISOString(),
    settledAt: r.settledAt === null ? null : new Date(r.settledAt).toISOString(),
  };
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  DomainError,
  residentService,
  Rpc,
  type FieldError,
  type Principal,
  type ResidentServiceDefinition,
  type Role,
  type ServiceRequestDetail,
  type ServiceRequestView,
  type serviceRequestCreateSchema,
  type serviceRequestQuerySchema,
} from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { ServiceRequestRepository, type ServiceRequestRow } from './service-request.repository';
import { roleOf, readsWholeTier } from '../principal';

const DAY = 86_400_000;
/** Who takes requests: grid workers and leaders in the field, community staff at the desk. */
export const TAKERS: readonly Role[] = ['grid-worker', 'grid-leader', 'community-staff'];
/** Who moves a request through its steps: community, street and district staff. */
export const HANDLERS: readonly Role[] = ['community-staff', 'street-staff', 'district-staff'];
export const REQUEST_READERS: readonly Role[] = [...new Set<Role>([...TAKERS, ...HANDLERS, 'admin', 'auditor'])];

/**
 * Resident services (代办服务): a request is taken for a resident of the taker's area (base-data
 * says whose area a resident is in), collects its materials, goes through the service's steps and
 * completes at the last one, or is rejected with a reason; its deadline is the service's time limit.
 */
@Injectable()
export class ServiceRequestService {
  constructor(
    private readonly repo: ServiceRequestRepository,
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(principal: Principal, authorization: string, body: z.output<typeof serviceRequestCreateSchema>): Promise<ServiceRequestDetail> {
    const role = roleOf(principal, TAKERS);
    const def = residentService(body.serviceCode)!;
    const problems = materialProblems(def, body.materials, 'materials');
    const gridCode = await this.rpc.request(Rpc.recordGrid, { residentId: body.residentId }, { authorization, timeoutMs: 5000 }).then(
      (r) => r.gridCode,
      (err: unknown) => {
        if (err instanceof DomainError && err.code.endsWith('.NOT_FOUND')) return undefined;
        throw err;
      },
    );
    if (gridCode === undefined || !isWithinScope(principal.orgUnit, gridCode)) problems.push({ field: 'residentId', message: `no resident ${body.residentId} in your area (${principal.orgUnit})` });
    if (problems.length > 0) throw DomainError.validation(problems);
    const id = randomUUID();
    const now = new Date();
    await this.repo.transaction(async (db) => {
      await this.repo.insert(db, {
        id,
        serviceCode: def.code,
        residentId: body.residentId,
        gridCode: gridCode!,
        materials: [...new Set(body.materials)],
        takenBy: actorOf(principal),
        takenAt: now,
        deadline: new Date(now.getTime() + def.timeLimitDays * DAY),
      });
      await this.repo.addStep(db, id, { action: 'take', step: def.steps[0]!.code, at: now, actor: actorOf(principal), role, note: body.note ?? null });
    });
    this.logger.event('info', 'service-request.taken', { id, serviceCode: def.code, gridCode }, 'ServiceRequestService');
    return this.get(principal, id);
  }

  async list(principal: Principal, q: z.output<typeof serviceRequestQuerySchema>): Promise<{ items: ServiceRequestView[]; total: number; limit: number; offset: number }> {
    const now = new Date();
    const { rows, total } = await this.repo.page(this.scopeOf(principal), q, now);
    return { items: rows.map((r) => viewOf(r, now)), total, limit: q.limit, offset: q.offset };
  }

  async get(principal: Principal, id: string): Promise<ServiceRequestDetail> {
    const { row, steps: history } = await this.repo.withSteps(id);
    if (!row || !isWithinScope(this.scopeOf(principal), row.gridCode)) throw new DomainError('SERVICE_REQUEST.NOT_FOUND', `no service request ${id} in your area`);
    return { ...viewOf(row, new Date()), history: history.map((h) => ({ ...h, at: new Date(h.at).toISOString() })) };
  }

  /** Replaces the collected materials (takers and handlers, while open). */
  async materials(principal: Principal, id: string, materials: readonly string[]): Promise<ServiceRequestDetail> {
    const role = roleOf(principal, [...TAKERS, ...HANDLERS]);
    await this.step(principal, id, async (db, row, def, now) => {
      const problems = materialProblems(def, materials, 'materials');
      if (problems.length > 0) throw DomainError.validation(problems);
      await this.repo.update(db, id, { materials: [...new Set(materials)] });
      await this.repo.addStep(db, id, { action: 'materials', step: def.steps[row.stepIndex]!.code, at: now, actor: actorOf(principal), role, note: [...new Set(materials)].join(', ') });
    });
    return this.get(principal, id);
  }

  /** Moves to the next step; reaching the last one completes the request. Leaving 受理 needs every required material. */
  async advance(principal: Principal, id: string, note: string | undefined): Promise<ServiceRequestDetail> {
    const role = roleOf(principal, HANDLERS);
    await this.step(principal, id, async (db, row, def, now) => {
      const missing = def.materials.filter((m) => m.required && !row.materials.includes(m.code));
      if (row.stepIndex === 0 && missing.length > 0) {
        throw new DomainError('SERVICE_REQUEST.STEP_NOT_ALLOWED', `required materials are missing: ${missing.map((m) => `${m.zh} (${m.en})`).join(', ')}`);
      }
      const next = row.stepIndex + 1;
      const done = next === def.steps.length - 1;
      await this.repo.update(db, id, { stepIndex: next, ...(done && { status: 'completed', closedAt: now }) });
      await this.repo.addStep(db, id, { action: 'advance', step: def.steps[next]!.code, at: now, actor: actorOf(principal), role, note: note ?? null });
    });
    return this.get(principal, id);
  }

  async reject(principal: Principal, id: string, reason: string): Promise<ServiceRequestDetail> {
    const role = roleOf(principal, HANDLERS);
    await this.step(principal, id, async (db, row, def, now) => {
      await this.repo.update(db, id, { status: 'rejected', closedAt: now });
      await this.repo.addStep(db, id, { action: 'reject', step: def.steps[row.stepIndex]!.code, at: now, actor: actorOf(principal), role, note: reason });
    });
    return this.get(principal, id);
  }

  private async step(
    principal: Principal,
    id: string,
    fn: (db: import('pg').PoolClient, row: ServiceRequestRow, def: ResidentServiceDefinition, now: Date) => Promise<void>,
  ): Promise<void> {
    await this.repo.transaction(async (db) => {
      const row = await this.repo.lock(db, id);
      if (!row || !isWithinScope(this.scopeOf(principal), row.gridCode)) throw new DomainError('SERVICE_REQUEST.NOT_FOUND', `no service request ${id} in your area`);
      if (row.status !== 'open') throw new DomainError('SERVICE_REQUEST.STEP_NOT_ALLOWED', `the request is ${row.status}`);
      await fn(db, row, residentService(row.serviceCode)!, new Date());
    });
  }

  /** Administrators and auditors read the whole tier; everyone else their own unit's subtree. */
  private scopeOf(principal: Principal): string {
    return readsWholeTier(principal) ? this.config.tier : principal.orgUnit;
  }
}

function actorOf(principal: Principal): string {
  return principal.username ?? principal.subject;
}

function materialProblems(def: ResidentServiceDefinition, materials: readonly string[], field: string): FieldError[] {
  return materials.flatMap((code, i) =>
    def.materials.some((m) => m.code === code) ? [] : [{ field: `${field}.${i}`, message: `${code} is not on the checklist of ${def.code}; one of ${def.materials.map((m) => m.code).join(', ')}` }],
  );
}

export function viewOf(r: ServiceRequestRow, now: Date): ServiceRequestView {
  const def = residentService(r.serviceCode)!;
  return {
    id: r.id,
    no: r.no,
    serviceCode: r.serviceCode,
    residentId: r.residentId,
    gridCode: r.gridCode,
    status: r.status,
    step: def.steps[r.stepIndex]!.code,
    stepIndex: r.stepIndex,
    materials: r.materials,
    missingMaterials: def.materials.filter((m) => m.required && !r.materials.includes(m.code)).map((m) => m.code),
    takenBy: r.takenBy,
    takenAt: new Date(r.takenAt).toISOString(),
    deadline: new Date(r.deadline).toISOString(),
    closedAt: r.closedAt === null ? null : new Date(r.closedAt).toISOString(),
    overdue: r.status === 'open' && new Date(r.deadline) < now,
  };
}

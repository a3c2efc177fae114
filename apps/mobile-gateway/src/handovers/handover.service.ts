import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, Rpc, type CoveredWorker, type DutyView, type HandoverBody, type HandoverView, type Principal } from '@gm/contracts';
import { inSameCommunity, isWithinScope } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { HandoverRepository } from './handover.repository';

/** How often a worker's device refreshes the gateway's record of who the worker is (subject, grid). */
const SEEN_EVERY_MS = 10 * 60_000;

/**
 * A/B posts (AB岗). A worker going off duty on the handheld, or put on leave by the grid leader or
 * community staff, hands the grid over to the A/B partner (system-admin's roster) or to a named
 * colleague of the same community: while the hand-over is active, the partner's task list holds
 * the worker's tasks and the partner may act on them (public-sentiment checks the covered grid is
 * of the partner's community). Every hand-over is recorded: who, whom, why, from, until, by whom.
 */
@Injectable()
export class HandoverService {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly repo: HandoverRepository,
    private readonly rpc: RpcClient,
  ) {}

  /** Remembers a grid worker's account (subject, name, grid): hand-overs are recorded by name, cases name the subject. */
  async seen(principal: Principal): Promise<void> {
    if (!principal.roles.includes('grid-worker') || !principal.username) return;
    const last = this.lastSeen.get(principal.subject);
    if (last !== undefined && Date.now() - last < SEEN_EVERY_MS) return;
    await this.repo.seen(principal.subject, principal.username, principal.orgUnit);
    this.lastSeen.set(principal.subject, Date.now());
  }

  /** The workers the caller covers now, as their cases name them. */
  covering(principal: Principal): Promise<CoveredWorker[]> {
    return principal.username ? this.repo.coveredWorkers(principal.username) : Promise.resolve([]);
  }

  /** Whom an account covers now, by its subject (a report forwarded after a wait). */
  coveringOfSubject(subject: string): Promise<CoveredWorker[]> {
    return this.repo.coveredWorkersOfSubject(subject);
  }

  async duty(principal: Principal): Promise<DutyView> {
    const me = principal.username ?? principal.subject;
    const [coveredBy, covering] = await Promise.all([this.repo.activeFor(me), this.repo.coveredBy(me)]);
    return { onDuty: !coveredBy, coveredBy: coveredBy ?? null, covering };
  }

  /** On duty ends the caller's hand-overs; off duty hands the grid over to the caller's A/B partner. */
  async setDuty(principal: Principal, onDuty: boolean, until: Date | undefined): Promise<DutyView> {
    await this.seen(principal);
    const me = principal.username ?? principal.subject;
    if (onDuty) {
      for (const h of await this.repo.openOf(me)) if (h.reason === 'off-duty' || h.active) await this.repo.end(h.id);
    } else if (!(await this.repo.activeFor(me))) {
      if (until && until.getTime() <= Date.now()) throw DomainError.validation([{ field: 'until', message: 'until must be in the future' }]);
      const partner = await this.partnerOf(me, 'worker');
      await this.repo.insert({ id: randomUUID(), worker: me, gridCode: principal.orgUnit, coveredBy: partner, reason: 'off-duty', from: new Date(), until: until ?? null, note: null, recordedBy: me });
    }
    return this.duty(principal);
  }

  /** A leave scheduled by the grid leader or community staff for a worker of their unit. */
  async schedule(principal: Principal, body: HandoverBody): Promise<HandoverView> {
    const worker = await this.memberOf(body.worker, 'worker');
    if (!isWithinScope(principal.orgUnit, worker.unitCode)) throw new DomainError('AUTH.OUT_OF_SCOPE', `${body.worker} works in ${worker.unitCode}, outside your unit`);
    const coveredBy = body.coveredBy ?? (await this.partnerOf(body.worker, 'worker'));
    if (coveredBy === body.worker) throw DomainError.validation([{ field: 'coveredBy', message: 'a worker cannot cover their own grid' }]);
    const cover = await this.memberOf(coveredBy, 'coveredBy');
    if (!inSameCommunity(cover.unitCode, worker.unitCode)) throw DomainError.validation([{ field: 'coveredBy', message: `${coveredBy} works in another community (${cover.unitCode})` }]);
    return this.repo.insert({
      id: randomUUID(),
      worker: body.worker,
      gridCode: worker.unitCode,
      coveredBy,
      reason: 'leave',
      from: new Date(body.from),
      until: new Date(body.until),
      note: body.note ?? null,
      recordedBy: principal.username ?? principal.subject,
    });
  }

  async end(principal: Principal, id: string): Promise<HandoverView> {
    const h = await this.repo.one(id);
    if (!h || !isWithinScope(principal.orgUnit, h.gridCode)) throw new DomainError('HANDOVER.NOT_FOUND', `no hand-over ${id}`);
    if (!(await this.repo.end(id))) throw new DomainError('HANDOVER.ENDED', `hand-over ${id} has already ended`);
    return (await this.repo.one(id))!;
  }

  list(unit: string, onlyActive: boolean, limit: number): Promise<HandoverView[]> {
    return this.repo.list(unit, onlyActive, limit);
  }

  private async memberOf(username: string, field: string) {
    const { member } = await this.rpc.request(Rpc.staffMember, { username }, { timeoutMs: 5000 });
    if (!member) throw DomainError.validation([{ field, message: `no staff member ${username} on this tier's roster` }]);
    return member;
  }

  private async partnerOf(username: string, field: string): Promise<string> {
    const member = await this.memberOf(username, field);
    if (!member.abPartner) throw new DomainError('HANDOVER.NO_PARTNER', `${username} has no A/B partner on the roster`);
    return member.abPartner;
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  DomainError,
  Rpc,
  type FieldError,
  type NoticeReceipts,
  type NoticeView,
  type Principal,
  type Role,
  type noticeCreateSchema,
  type noticeQuerySchema,
  type noticeReturnSchema,
} from '@gm/contracts';
import { isWithinScope, OrgUnitCode } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { NoticeRepository, type NoticeRow, type ReceivedRow } from './notice.repository';
import { readsWholeTier } from '../principal';

export const PUBLISHERS: readonly Role[] = ['community-staff', 'street-staff', 'district-staff', 'admin'];

/**
 * Notices (通知公告): published by a unit to units of its subtree (and optionally some roles); a
 * person reads those addressed to a unit on their path, and the read counts for the nearest such
 * unit (their receipt unit); a notice may ask each recipient unit for a return by a deadline.
 */
@Injectable()
export class NoticeService {
  constructor(
    private readonly repo: NoticeRepository,
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
  ) {}

  async publish(principal: Principal, body: z.output<typeof noticeCreateSchema>): Promise<NoticeView> {
    if (!principal.roles.some((r) => PUBLISHERS.includes(r))) throw new DomainError('AUTH.FORBIDDEN', `publishing needs one of the roles ${PUBLISHERS.join(', ')}`);
    const problems: FieldError[] = [];
    const { units: below } = await this.rpc.request(Rpc.orgUnits, { under: principal.orgUnit }, { timeoutMs: 5000 });
    const known = new Map(below.map((u) => [u.code, u.name]));
    body.audience.units.forEach((code, i) => {
      if (!isWithinScope(principal.orgUnit, code)) problems.push({ field: `audience.units.${i}`, message: `${code} is outside your area (${principal.orgUnit})` });
      else if (!known.has(code)) problems.push({ field: `audience.units.${i}`, message: `no unit ${code} in the org tree` });
    });
    const chosen = [...new Set(body.audience.units)];
    const units = chosen.length > 0 ? chosen.map((code) => ({ code, name: known.get(code) ?? null })) : below.filter((u) => u.code !== principal.orgUnit).map((u) => ({ code: u.code, name: u.name }));
    if (units.length === 0 && problems.length === 0) problems.push({ field: 'audience.units', message: `there is no unit below ${principal.orgUnit} to address` });
    if (body.returnRequest && new Date(body.returnRequest.deadline) <= new Date()) problems.push({ field: 'returnRequest.deadline', message: 'the deadline must be in the future' });
    if (problems.length > 0) throw DomainError.validation(problems);
    const row: NoticeRow = {
      id: randomUUID(),
      title: body.title,
      body: body.body,
      publisherUnit: principal.orgUnit,
      publishedBy: principal.username ?? principal.subject,
      publishedAt: new Date(),
      roles: [...new Set(body.audience.roles)],
      chosenUnits: chosen,
      returnInstructions: body.returnRequest?.instructions ?? null,
      returnDeadline: body.returnRequest ? new Date(body.returnRequest.deadline) : null,
    };
    await this.repo.insert(row, units);
    this.logger.event('info', 'notice.published', { id: row.id, units: units.length, roles: row.roles, returnRequested: row.returnDeadline !== null }, 'NoticeService');
    return viewOf(row, undefined);
  }

  async list(principal: Principal, q: z.output<typeof noticeQuerySchema>): Promise<{ items: NoticeView[]; total: number; unread: number; limit: number; offset: number }> {
    if (q.box === 'published') {
      const { rows, total } = await this.repo.published(readsWholeTier(principal) ? tierOf(principal) : principal.orgUnit, q);
      return { items: rows.map((r) => viewOf(r, undefined)), total, unread: 0, limit: q.limit, offset: q.offset };
    }
    const { rows, total, unread } = await this.received(principal, { unread: q.unread, limit: q.limit, offset: q.offset });
    return { items: rows.map((r) => viewOf(r, r)), total, unread, limit: q.limit, offset: q.offset };
  }

  async get(principal: Principal, id: string): Promise<NoticeView> {
    const mine = await this.asRecipient(principal, id);
    if (mine) return viewOf(mine, mine);
    return viewOf(await this.asPublisher(principal, id), undefined);
  }

  /** The caller's read receipt (the first read counts). */
  async read(principal: Principal, id: string): Promise<NoticeView> {
    const mine = await this.asRecipient(principal, id);
    if (!mine) throw notFound(id);
    await this.repo.read(id, { subject: principal.subject, username: principal.username ?? principal.subject, orgUnit: principal.orgUnit, receiptUnit: mine.receiptUnit!, at: new Date() });
    const after = (await this.asRecipient(principal, id))!;
    return viewOf(after, after);
  }

  /** The return of the caller's receipt unit (a later one replaces it; after the deadline it counts as late). Reading is implied. */
  async submitReturn(principal: Principal, id: string, body: z.output<typeof noticeReturnSchema>): Promise<NoticeView> {
    const mine = await this.asRecipient(principal, id);
    if (!mine) throw notFound(id);
    if (mine.returnDeadline === null) throw new DomainError('NOTICE.NO_RETURN', 'this notice asks for no return');
    const now = new Date();
    await this.repo.read(id, { subject: principal.subject, username: principal.username ?? principal.subject, orgUnit: principal.orgUnit, receiptUnit: mine.receiptUnit!, at: now });
    await this.repo.submitReturn(id, mine.receiptUnit!, { text: body.text, attachments: body.attachments, by: principal.username ?? principal.subject, at: now });
    this.logger.event('info', 'notice.returned', { id, unit: mine.receiptUnit, late: now > new Date(mine.returnDeadline) }, 'NoticeService');
    const after = (await this.asRecipient(principal, id))!;
    return viewOf(after, after);
  }

  /** Who read it, per unit and per person, and each unit's return: for the publishing unit and those above it. */
  async receipts(principal: Principal, id: string): Promise<NoticeReceipts> {
    const notice = await this.asPublisher(principal, id);
    const [units, readers] = await Promise.all([this.repo.unitReceipts(id), this.repo.readers(id)]);
    const deadline = notice.returnDeadline === null ? null : new Date(notice.returnDeadline);
    const late = (at: Date) => deadline !== null && new Date(at) > deadline;
    const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
    return {
      noticeId: id,
      units: units.map((u) => ({
        unit: u.unit,
        name: u.name,
        firstReadAt: iso(u.firstReadAt),
        readers: u.readers,
        return: u.submittedAt === null ? null : { text: u.text!, attachments: u.attachments ?? [], submittedBy: u.submittedBy!, submittedAt: iso(u.submittedAt)!, late: late(u.submittedAt) },
      })),
      readers: readers.map((r) => ({ ...r, readAt: new Date(r.readAt).toISOString() })),
      counts: {
        units: units.length,
        unitsRead: units.filter((u) => u.firstReadAt !== null).length,
        returned: units.filter((u) => u.submittedAt !== null).length,
        late: units.filter((u) => u.submittedAt !== null && late(u.submittedAt)).length,
        missing: deadline === null ? 0 : units.filter((u) => u.submittedAt === null).length,
      },
    };
  }

  private received(principal: Principal, f: { id?: string; unread?: boolean | undefined; limit: number; offset: number }) {
    const path = OrgUnitCode.isValid(principal.orgUnit) ? OrgUnitCode.parse(principal.orgUnit).path.map(String) : [principal.orgUnit];
    return this.repo.received(principal.subject, path, principal.roles, f);
  }

  private async asRecipient(principal: Principal, id: string): Promise<ReceivedRow | undefined> {
    return (await this.received(principal, { id, limit: 1, offset: 0 })).rows[0];
  }

  private async asPublisher(principal: Principal, id: string): Promise<NoticeRow> {
    const row = await this.repo.one(id);
    const all = readsWholeTier(principal);
    if (!row || !(all || isWithinScope(principal.orgUnit, row.publisherUnit))) throw notFound(id);
    return row;
  }
}

function tierOf(principal: Principal): string {
  return OrgUnitCode.isValid(principal.orgUnit) ? OrgUnitCode.parse(principal.orgUnit).path[0]!.toString() : principal.orgUnit;
}

function notFound(id: string): DomainError {
  return new DomainError('NOTICE.NOT_FOUND', `no notice ${id} for you`);
}

function viewOf(n: NoticeRow, mine: ReceivedRow | undefined): NoticeView {
  const deadline = n.returnDeadline === null ? null : new Date(n.returnDeadline);
  return {
    id: n.id,
    title: n.title,
    body: n.body,
    publisherUnit: n.publisherUnit,
    publishedBy: n.publishedBy,
    publishedAt: new Date(n.publishedAt).toISOString(),
    audience: { units: n.chosenUnits, roles: n.roles },
    returnRequest: deadline === null ? null : { instructions: n.returnInstructions!, deadline: deadline.toISOString() },
    readAt: mine?.readAt ? new Date(mine.readAt).toISOString() : null,
    receiptUnit: mine?.receiptUnit ?? null,
    unitReturn:
      mine?.returnedAt && mine.returnedBy ? { submittedAt: new Date(mine.returnedAt).toISOString(), submittedBy: mine.returnedBy, late: deadline !== null && new Date(mine.returnedAt) > deadline } : null,
  };
}

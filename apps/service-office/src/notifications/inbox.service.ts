import { Injectable } from '@nestjs/common';
import { DomainError, type InboxMessage, type Principal } from '@gm/contracts';
import { InboxRepository, type MessageRow } from './inbox.repository';

/** The caller's inbox: their own messages and, for a department user, their department's. */
@Injectable()
export class InboxService {
  constructor(private readonly repo: InboxRepository) {}

  async list(principal: Principal, f: { unread?: boolean | undefined; limit: number; offset: number }) {
    const { rows, total, unread } = await this.repo.page(recipientsOf(principal), f);
    return { items: rows.map(viewOf), total, unread, limit: f.limit, offset: f.offset };
  }

  async read(principal: Principal, id: string): Promise<void> {
    if (!(await this.repo.read(recipientsOf(principal), id))) throw new DomainError('MESSAGE.NOT_FOUND', `no message ${id} in your inbox`);
  }

  async readAll(principal: Principal): Promise<{ marked: number }> {
    return { marked: await this.repo.readAll(recipientsOf(principal)) };
  }
}

/** A department's messages are addressed to `dept:<code>`, read by every user of the department. */
export function departmentRecipient(department: string): string {
  return `dept:${department}`;
}

function recipientsOf(principal: Principal): string[] {
  return principal.roles.includes('department') && principal.department ? [principal.subject, departmentRecipient(principal.department)] : [principal.subject];
}

function viewOf(r: MessageRow): InboxMessage {
  return {
    id: r.id,
    kind: r.kind,
    title: { zh: r.titleZh, en: r.titleEn },
    body: { zh: r.bodyZh, en: r.bodyEn },
    ref: { type: r.refType, id: r.refId, no: r.refNo },
    createdAt: new Date(r.createdAt).toISOString(),
    readAt: r.readAt === null ? null : new Date(r.readAt).toISOString(),
  };
}

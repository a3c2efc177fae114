import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DomainError, Rpc, type Principal, type QueuedReport, type ReportCaseBody, type ReportCaseResult } from '@gm/contracts';
import { RpcClient } from '@gm/messaging';
import { JsonLogger } from '@gm/telemetry';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { AttachmentService } from '../attachments/attachment.service';
import { HandoverService } from '../handovers/handover.service';
import { PendingReport } from './pending-report.entity';
import { PendingReportRepository } from './pending-report.repository';

export type SubmitOutcome =
  | { readonly kind: 'stored'; readonly result: ReportCaseResult; readonly replayed: boolean }
  | { readonly kind: 'queued'; readonly receipt: QueuedReport };

@Injectable()
export class ReportService {
  private wakeForwarder: () => void = () => undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly rpc: RpcClient,
    private readonly pending: PendingReportRepository,
    private readonly attachments: AttachmentService,
    private readonly handovers: HandoverService,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Hands a report to public-sentiment. When it cannot be reached (NATS or the service away), the
   * report is kept here and forwarded later with the same idempotency key, so that it becomes
   * exactly one case either way. The handheld learns the outcome by sending it again.
   */
  async submit(principal: Principal, authorization: string, body: ReportCaseBody): Promise<SubmitOutcome> {
    const key = body.clientId ?? randomUUID();
    const report: ReportCaseBody = { ...body, clientId: key };

    // Photos named as evidence must be the reporter's own and really uploaded (checked before queueing too).
    await this.attachments.verifyEvidence(principal, report.evidence ?? []);
    // A report placed in another grid may be in one the reporter covers now (A/B posts).
    const covering = report.gridCode && report.gridCode !== principal.orgUnit ? await this.handovers.covering(principal) : [];
    try {
      const { replayed, ...result } = await this.rpc.request(
        Rpc.reportCase,
        { report, idempotencyKey: key, channel: 'handheld', covering },
        { authorization, timeoutMs: this.config.own.REPORT_RPC_TIMEOUT_MS },
      );
      return { kind: 'stored', result, replayed };
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'SERVICE.UNAVAILABLE') throw err;
      // Only now look for a copy held here: while public-sentiment answers, its own idempotency
      // gives one case per clientId, and a queued copy forwarded later is answered as a replay.
      const held = await this.pending.find(this.orm.em.fork(), principal.subject, key);
      if (held) {
        switch (held.status) {
          case 'queued':
            this.wakeForwarder();
            return { kind: 'queued', receipt: receiptOf(held) };
          case 'forwarded':
            return { kind: 'stored', result: held.result!, replayed: true };
          case 'rejected':
            throw new DomainError(held.lastError!.code, held.lastError!.message, held.lastError!.fieldErrors);
        }
      }
      return { kind: 'queued', receipt: await this.enqueue(principal, authorization, report, key) };
    }
  }

  /** @internal the forwarder registers itself. */
  bindForwarder(wake: () => void): void {
    this.wakeForwarder = wake;
  }

  private async enqueue(principal: Principal, authorization: string, report: ReportCaseBody, key: string): Promise<QueuedReport> {
    const row = new PendingReport();
    row.id = randomUUID();
    row.reporterSubject = principal.subject;
    row.idempotencyKey = key;
    row.body = report;
    row.authorizationHeader = authorization;
    row.acceptedAt = new Date();
    const em = this.orm.em.fork();
    try {
      await em.persist(row).flush();
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const existing = await this.pending.find(this.orm.em.fork(), principal.subject, key);
      if (existing) return receiptOf(existing);
      throw err;
    }
    this.logger.event('warn', 'report.queued', { reportId: row.id }, 'ReportService');
    this.wakeForwarder();
    return receiptOf(row);
  }
}

function receiptOf(row: PendingReport): QueuedReport {
  return {
    status: 'queued',
    clientId: row.idempotencyKey,
    acceptedAt: row.acceptedAt.toISOString(),
    message: '已受理，连接恢复后自动提交；用相同 clientId 重发可查询结果 (Accepted; submitted automatically when the connection returns. Send it again with the same clientId to learn the outcome.)',
  };
}

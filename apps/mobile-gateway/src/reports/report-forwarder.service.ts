import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DomainError, Rpc } from '@gm/contracts';
import { errorText, NatsClient, RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { PendingReportRepository } from './pending-report.repository';
import { HandoverService } from '../handovers/handover.service';
import { ReportService } from './report.service';

/**
 * Forwards queued reports, oldest first, when public-sentiment can be reached again. Each one is
 * locked while it is forwarded (replicas do not send it twice at once; if they did, the
 * idempotency key would still make it one case). A report public-sentiment refuses is marked
 * rejected with the reason; the handheld sees it when it sends the report again.
 */
@Injectable()
export class ReportForwarder implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly rpc: RpcClient,
    private readonly nats: NatsClient,
    private readonly pending: PendingReportRepository,
    private readonly reports: ReportService,
    private readonly handovers: HandoverService,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.reports.bindForwarder(() => this.kick());
    this.nats.onChange((connected) => connected && this.kick());
    this.timer = setInterval(() => this.kick(), this.config.own.REPORT_FORWARD_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.logger.event('error', 'report.forward_failed', { error: errorText(err) }, 'ReportForwarder'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    if (!this.nats.isConnected()) return;
    while (!this.stopped) {
      const more = await this.orm.em.fork().transactional(async (tx) => {
        const row = await this.pending.lockOldestQueued(tx);
        if (!row) return false;
        row.attempts += 1;
        try {
          const { replayed: _r, ...result } = await this.rpc.request(
            Rpc.reportCase,
            {
              report: row.body!,
              idempotencyKey: row.idempotencyKey,
              channel: 'handheld',
              covering: row.body?.gridCode ? await this.handovers.coveringOfSubject(row.reporterSubject) : [],
            },
            { authorization: row.authorizationHeader ?? undefined, acceptedAt: row.acceptedAt, timeoutMs: this.config.own.REPORT_RPC_TIMEOUT_MS },
          );
          row.status = 'forwarded';
          row.result = result;
          row.forwardedAt = new Date();
          this.logger.event('info', 'report.forwarded', { reportId: row.id, caseId: result.caseId, attempts: row.attempts }, 'ReportForwarder');
        } catch (err) {
          if (err instanceof DomainError && err.code === 'SERVICE.UNAVAILABLE') {
            row.lastError = { code: err.code, message: err.message, fieldErrors: [] };
            return false; // still away: try again later, keep the order
          }
          const e = err instanceof DomainError ? err : new DomainError('INTERNAL');
          row.status = 'rejected';
          row.lastError = { code: e.code, message: e.message, fieldErrors: [...e.fieldErrors] };
          this.logger.event('warn', 'report.rejected', { reportId: row.id, code: e.code }, 'ReportForwarder');
        }
        // Personal data and the caller's token are kept no longer than needed.
        row.body = null;
        row.authorizationHeader = null;
        return true;
      });
      if (!more) return;
    }
  }
}

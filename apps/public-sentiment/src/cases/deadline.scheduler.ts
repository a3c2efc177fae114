import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Events } from '@gm/contracts';
import { Outbox } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger, ServiceMetrics, type Counter } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { CaseRepository } from './case.repository';
import { CaseWorkflowService } from './case-workflow.service';

const BATCH = 200;

/**
 * Raises `gm.case.overdue.v1` once per step when a case passes its deadline, and marks cases for
 * escalation by their category's rule (on a federated tier with a parent, escalating them there). Its state is the cases' own columns (deadline, the step
 * counter that last fired), so it survives restarts; each scan locks the rows it fires for with
 * `FOR UPDATE SKIP LOCKED` and marks them in the same transaction as the event, so that two
 * replicas never fire twice for one step.
 */
@Injectable()
export class DeadlineScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly runs: Counter;
  private readonly fired: Counter;
  private lastRunAt = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly cases: CaseRepository,
    private readonly outbox: Outbox,
    private readonly rules: CaseRulesProvider,
    private readonly workflow: CaseWorkflowService,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ServiceMetrics,
  ) {
    this.runs = metrics.meter.createCounter('gm.deadline_scheduler.runs', { description: 'Scans of the case deadlines, by outcome (ok, failed)' });
    this.fired = metrics.meter.createCounter('gm.deadline_scheduler.fired', { description: 'Events the scans raised, by kind (overdue, escalation_due)' });
    // A scheduler that stopped scanning is a silent failure: its last run's age says so.
    metrics.observe('gm.deadline_scheduler.last_run_age_seconds', 'Seconds since the last completed scan (absent before the first)', 's', () =>
      this.lastRunAt > 0 ? [{ value: (Date.now() - this.lastRunAt) / 1000 }] : undefined,
    );
  }

  onApplicationBootstrap(): void {
    const every = this.config.own.CASE_DEADLINE_SCAN_MS;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.scan()
        .then(() => this.runs.add(1, this.metrics.labels({ outcome: 'ok' })))
        .catch((err: unknown) => {
          this.runs.add(1, this.metrics.labels({ outcome: 'failed' }));
          this.logger.event('warn', 'case.deadline_scan_failed', { error: err instanceof Error ? err.message : String(err) }, 'DeadlineScheduler');
        })
        .finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One scan: fires what is due at `now`; returns how many overdue and escalation events it raised. */
  async scan(now = new Date()): Promise<{ overdue: number; escalationDue: number }> {
    let overdue = 0;
    let escalationDue = 0;
    for (;;) {
      const fired = await this.orm.em.fork().transactional(async (tx) => {
        const due = await this.cases.lockOverdue(tx, now, BATCH);
        for (const c of due) {
          c.overdueStepSeq = c.stepSeq;
          this.outbox.add(
            tx,
            Events.caseOverdue,
            {
              caseId: c.id,
              caseNo: c.caseNo,
              state: c.state,
              step: c.step!,
              categoryCode: c.categoryCode,
              urgency: c.urgency,
              gridCode: c.gridCode,
              deadlineAt: c.deadlineAt!.toISOString(),
              detectedAt: now.toISOString(),
              owner: c.ownerSubject,
            },
            c.id,
          );
        }
        const escalate = await this.cases.lockEscalationDue(tx, now, BATCH);
        for (const c of escalate) {
          c.escalationDue = true;
          this.outbox.add(
            tx,
            Events.caseEscalationDue,
            {
              caseId: c.id,
              caseNo: c.caseNo,
              step: c.step!,
              categoryCode: c.categoryCode,
              gridCode: c.gridCode,
              deadlineAt: c.deadlineAt!.toISOString(),
              overdueWorkingMinutes: Math.round(this.rules.clock.between(c.stepClock ?? 'working', c.deadlineAt!, now)),
              detectedAt: now.toISOString(),
            },
            c.id,
          );
          // With a parent tier (federation), the rule forwards the case there at once.
          await this.workflow.escalateByRule(tx, c, now, `超过类别上报时限，自动上报 (past the category's escalation threshold: escalated by rule)`);
        }
        return { overdue: due.length, escalationDue: escalate.length };
      });
      overdue += fired.overdue;
      escalationDue += fired.escalationDue;
      if (fired.overdue + fired.escalationDue === 0) break;
      if (fired.overdue < BATCH && fired.escalationDue < BATCH) break;
    }
    if (overdue + escalationDue > 0) this.logger.event('info', 'case.deadlines_fired', { overdue, escalationDue }, 'DeadlineScheduler');
    if (overdue > 0) this.fired.add(overdue, this.metrics.labels({ kind: 'overdue' }));
    if (escalationDue > 0) this.fired.add(escalationDue, this.metrics.labels({ kind: 'escalation_due' }));
    this.lastRunAt = Date.now();
    return { overdue, escalationDue };
  }
}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type pg from 'pg';
import { type CloudEvent, durableName, eventsOf, Streams } from '@gm/contracts';
import { DurableConsumers, Inbox, type BatchItem } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { dayIn, foldCaseEvent, type CaseRow, type KpiIncrement } from './case-fold';
import { KpiLedger } from '../kpis/kpi-ledger.service';
import { CaseReadModelRepository } from './case-read-model.repository';

export const CASES_DURABLE = durableName('command-centre', 'cases');

/**
 * Keeps the hub's copy of the tier's cases and the assessment's daily counters from the tier's
 * case events: each event is claimed in the inbox in the transaction that applies it, so a
 * redelivery changes nothing. A consumer that falls behind applies what waits in one transaction.
 */
@Injectable()
export class CaseReadModelConsumer implements OnApplicationBootstrap {
  private readonly day: (at: Date) => string;

  constructor(
    private readonly consumers: DurableConsumers,
    private readonly inbox: Inbox,
    private readonly cases: CaseReadModelRepository,
    private readonly ledger: KpiLedger,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    this.day = dayIn(config.own.KPI_TIME_ZONE);
  }

  onApplicationBootstrap(): void {
    this.consumers.start({
      stream: Streams.caseEvents,
      durable: CASES_DURABLE,
      filterSubject: eventsOf('case'),
      handle: (event) => this.apply([event]),
      handleBatch: (items: readonly BatchItem[]) => this.apply(items.map((i) => i.event)),
      maxBatch: 200,
    });
  }

  /** Applies events in stream order, all or nothing. */
  async apply(events: readonly CloudEvent[]): Promise<void> {
    let applied = 0;
    await this.cases.transaction(async (client) => {
      const fresh: CloudEvent[] = [];
      for (const e of events) if (await this.inbox.claimWith(client, this.cases.schema, CASES_DURABLE, e.id, e.type)) fresh.push(e);
      if (fresh.length === 0) return;
      const rows = await this.cases.lock(client, [...new Set(fresh.map(caseIdOf).filter((id): id is string => id !== undefined))]);
      const changed = new Map<string, CaseRow>();
      const increments: KpiIncrement[] = [];
      for (const e of fresh) {
        const id = caseIdOf(e);
        if (!id) continue;
        const fold = foldCaseEvent(rows.get(id), e, this.day);
        if (fold.row) {
          rows.set(id, fold.row);
          changed.set(id, fold.row);
        }
        increments.push(...fold.kpis);
      }
      await saveAll(client, this.cases, changed.values());
      await this.ledger.record(client, increments, this.config.tier);
      applied = fresh.length;
    });
    if (applied < events.length) this.logger.event('debug', 'cases.duplicates_ignored', { count: events.length - applied }, 'CaseReadModelConsumer');
  }
}

async function saveAll(client: pg.PoolClient, repo: CaseReadModelRepository, rows: Iterable<CaseRow>): Promise<void> {
  for (const row of rows) await repo.save(client, row);
}

function caseIdOf(e: CloudEvent): string | undefined {
  const id = (e.data as { caseId?: unknown } | null)?.caseId;
  return typeof id === 'string' ? id : undefined;
}

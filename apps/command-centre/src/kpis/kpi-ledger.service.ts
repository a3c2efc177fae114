import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { Events, type KpiIncrement } from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { Outbox } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { KpiRepository } from './kpi.repository';

/** Increments per message up (well under NATS's 1 MiB with the largest counters). */
const PER_MESSAGE = 2000;

/**
 * Where the assessment's increments go: into this tier's daily counters and, in a federation, in the
 * same transaction to the parent (`gm.uplink.kpi-increments.v1` through the outbox and UPLINK), so
 * that every ancestor's KPIs cover its subtree. What a tier receives from a child it records and
 * passes on the same way.
 */
@Injectable()
export class KpiLedger {
  private readonly upward: boolean;

  constructor(
    private readonly kpis: KpiRepository,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    this.upward = config.own.FEDERATION_ENABLED && OrgUnitCode.parse(config.tier).level !== 'district';
  }

  /** Records the increments in the caller's transaction, and sends them up with it (the commit wakes the relay). */
  async record(client: pg.PoolClient, increments: readonly KpiIncrement[], countedAt: string): Promise<void> {
    if (increments.length === 0) return;
    await this.kpis.add(client, increments);
    if (!this.upward) return;
    for (let i = 0; i < increments.length; i += PER_MESSAGE) {
      await this.outbox.addWith(client, this.kpis.schema, Events.kpiIncrementsUp, { countedAt, increments: increments.slice(i, i + PER_MESSAGE) }, countedAt);
    }
  }
}

import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { ServiceMetrics } from '@gm/telemetry';

/** Counts MikroORM's connection pool in `gm_db_pool_connections{pool="orm"}` beside the raw SQL pools. */
@Injectable()
export class OrmPoolMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly orm: MikroORM,
    private readonly metrics: ServiceMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Never in the way of starting: without the pool's figures the service still serves.
    const pool = await this.orm.em
      .getConnection()
      .getNativeClient()
      .catch(() => undefined);
    if (pool) this.metrics.trackPool('orm', pool);
  }
}

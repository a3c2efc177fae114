import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { RawSql } from '@gm/persistence';
import { ServiceMetrics } from '@gm/telemetry';
import type { ServiceConfig } from './config/service-config';
import { SERVICE_CONFIG } from './tokens';

/**
 * The service's plain pg connections (beside MikroORM) for COPY imports and hand-written SQL,
 * bound to its own schema.
 *
 * A pool of its own, up to DATABASE_POOL_MAX connections like MikroORM's (and one per module that
 * provides this class), not MikroORM's pool: that one (`getNativeClient()` of @mikro-orm/postgresql
 * 7) is built with MikroORM's type parsers, which leave dates, timestamps and intervals as strings
 * for its own hydration, while the SQL here reads them as pg's `Date`s; and a caller holding a
 * connection of one pool while it waits for the other (an ORM transaction around a raw query)
 * cannot starve itself, as it could in one shared pool. The deployments size DATABASE_POOL_MAX
 * with both pools counted (docker-compose.yml, k8s/base/tier-config.yaml).
 */
@Injectable()
export class ServiceSql extends RawSql implements OnApplicationShutdown {
  readonly schema: string;

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig, @Optional() metrics?: ServiceMetrics) {
    super(config.database.url, config.database.poolMax);
    this.schema = config.database.schema;
    metrics?.trackPool('sql', this.pool);
  }

  /** A table of this service's schema, quoted. */
  table(name: string): string {
    return `"${this.schema}".${name}`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

/**
 * What every repository on the service's plain pool shares: its schema (for outbox rows written in
 * its transactions), a quoted table name, and a transaction on one connection whose commit runs the
 * persistence layer's commit hooks (RawSql.transaction). Subclasses add the statements.
 */
@Injectable()
export abstract class SqlRepository {
  constructor(protected readonly sql: ServiceSql) {}

  get schema(): string {
    return this.sql.schema;
  }

  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  protected table(name: string): string {
    return this.sql.table(name);
  }
}

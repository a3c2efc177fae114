import type { DynamicModule, Type } from '@nestjs/common';
import type { EntityClass } from '@mikro-orm/core';
import { PersistenceModule, type DatabaseOptions, type MigrationEntry } from '@gm/persistence';
import type { OutboxRelayOptions } from '@gm/messaging';
import type { JsonLogger } from '@gm/telemetry';
import type { ServiceConfig } from './config/service-config';
import { OrmPoolMetrics } from './orm-pool-metrics';
import { PlatformModule } from './platform.module';

/** The database of a service: its schema, its entities, its migrations in order. */
export function databaseOptionsOf(
  config: ServiceConfig,
  entities: readonly EntityClass<object>[],
  migrations: readonly MigrationEntry[],
): DatabaseOptions {
  return { url: config.database.url, schema: config.database.schema, poolMax: config.database.poolMax, entities, migrations };
}

export interface ServiceModuleOptions {
  readonly config: ServiceConfig;
  readonly logger: JsonLogger;
  readonly database: DatabaseOptions;
  /** For services that publish events. */
  readonly outbox?: OutboxRelayOptions;
  readonly features: readonly (Type<unknown> | DynamicModule)[];
}

/** An app's root module: the platform (config, auth, messaging, health), its database, its features. */
export function serviceModule(host: Type<unknown>, opts: ServiceModuleOptions): DynamicModule {
  return {
    module: host,
    imports: [
      PlatformModule.forRoot({ config: opts.config, logger: opts.logger, ...(opts.outbox && { outbox: opts.outbox }) }),
      PersistenceModule.forRoot({ ...opts.database, migrateOnStart: opts.config.database.migrateOnStart }),
      ...opts.features,
    ],
    providers: [OrmPoolMetrics],
  };
}

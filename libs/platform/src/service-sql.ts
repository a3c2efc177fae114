import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RawSql } from '@gm/persistence';
import type { ServiceConfig } from './config/service-config';
import { SERVICE_CONFIG } from './tokens';

/**
 * The service's plain pg connections (beside MikroORM) for COPY imports and hand-written SQL,
 * bound to its own schema.
 */
@Injectable()
export class ServiceSql extends RawSql implements OnApplicationShutdown {
  readonly schema: string;

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig) {
    super(config.database.url, config.database.poolMax);
    this.schema = config.database.schema;
  }

  /** A table of this service's schema, quoted. */
  table(name: string): string {
    return `"${this.schema}".${name}`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

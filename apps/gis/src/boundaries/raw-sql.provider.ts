import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RawSql } from '@gm/persistence';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';

/** Plain pg connections for COPY and hand-written PostGIS SQL (spatial predicates, unions). */
@Injectable()
export class GisSql extends RawSql implements OnApplicationShutdown {
  readonly schema: string;

  constructor(@Inject(SERVICE_CONFIG) config: AppConfig) {
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

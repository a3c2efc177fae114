import type { DatabaseOptions } from '@gm/persistence';
import type { AppConfig } from './config/config';
import { PendingReport } from './reports/pending-report.entity';
import { migrations } from './migrations';

export function databaseOptions(config: AppConfig): DatabaseOptions {
  return { url: config.database.url, schema: config.database.schema, poolMax: config.database.poolMax, entities: [PendingReport], migrations };
}

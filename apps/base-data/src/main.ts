import { runService } from '@gm/platform/run';
import { configSchema } from './config/config';

void runService({
  configSchema,
  description: '基础数据：人、房、组织、部件 · Base data: people, houses, organisations, objects',
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
});

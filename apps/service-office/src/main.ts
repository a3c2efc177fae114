import { runService } from '@gm/platform/run';
import { configSchema } from './config/config';

void runService({
  configSchema,
  description: '服务办公：部门、工单、便民服务、通知 · Service office: departments, work orders, resident services, notices',
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
});

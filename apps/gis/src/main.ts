import { runService } from '@gm/platform/run';
import { configSchema } from './config/config';

void runService({
  configSchema,
  description: 'GIS 监管：网格边界、坐标落格、空间查询、图层 · GIS: grid boundaries, point-to-grid, spatial queries, map layers',
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
});

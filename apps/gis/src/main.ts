import { lazyCommand, runService } from '@gm/platform/run';
import { configSchema } from './config/config';

void runService({
  configSchema,
  description: 'GIS 监管：网格边界、坐标落格、覆盖检查、图层 · GIS: grid boundaries, point-to-grid, coverage checks, map layers',
  streamedContentTypes: ['application/geo+json'],
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
  commands: {
    'import-boundaries': lazyCommand('<file.geojson>', async () => (await import('./commands.js')).commands['import-boundaries']!),
    coverage: lazyCommand('<unit code> [--deep]', async () => (await import('./commands.js')).commands['coverage']!),
  },
});

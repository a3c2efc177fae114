import { runService } from '@gm/platform/run';
import { configSchema } from './config/config';

void runService({
  configSchema,
  description: 'GIS 监管：网格边界、坐标落格、覆盖检查、图层 · GIS: grid boundaries, point-to-grid, coverage checks, map layers',
  streamedContentTypes: ['application/geo+json'],
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
  commands: {
    'import-boundaries': { usage: '<file.geojson>', run: async (ctx) => (await import('./commands.js')).commands['import-boundaries']!.run(ctx) },
    coverage: { usage: '<unit code> [--deep]', run: async (ctx) => (await import('./commands.js')).commands['coverage']!.run(ctx) },
  },
});

import { lazyCommand, runService } from '@gm/platform/run';
import { configSchema } from './config/config';

const command = (name: string, usage: string) => lazyCommand(usage, async () => (await import('./commands.js')).commands[name]!);

void runService({
  configSchema,
  description: '基础数据：人、房、组织、部件 · Base data: people, houses, organisations, objects',
  streamedContentTypes: ['text/csv'],
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
  commands: {
    import: command('import', '<kind> <file.csv> [--partial]'),
    'import-dir': command('import-dir', '<dir> [--partial]'),
    'rotate-pii-keys': command('rotate-pii-keys', ''),
  },
});

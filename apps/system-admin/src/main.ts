import { lazyCommand, runService } from '@gm/platform/run';
import { configSchema } from './config/config';

const command = (name: string) => lazyCommand('<file.csv> [--partial]', async () => (await import('./commands.js')).commands[name]!);

void runService({
  configSchema,
  description: '系统管理：组织机构、用户角色、参数、字典、审计 · System administration: org units, users and roles, parameters, dictionaries, audit',
  streamedContentTypes: ['text/csv'],
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
  commands: { 'import-org-units': command('import-org-units'), 'import-staff': command('import-staff') },
});

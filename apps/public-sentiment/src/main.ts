import { runService } from '@gm/platform/run';
import { configSchema } from './config/config';

void runService({
  configSchema,
  description: '社情民意：案件受理、流转、督办、反馈 · Cases: intake, workflow, deadlines, feedback',
  module: async (config, logger) => (await import('./app.module.js')).AppModule.forRoot(config, logger),
  database: async (config) => (await import('./database.js')).databaseOptions(config),
  commands: {
    // A deploy step: the tier's federation streams, applied before the service starts (ADR 0022).
    'apply-streams': {
      usage: 'FILE [--wait-seconds N] [--retire-legacy-downlink]',
      standalone: true,
      run: async (ctx) => (await import('./federation/apply-streams.command.js')).applyStreams(ctx),
    },
  },
});

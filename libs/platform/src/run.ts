import type { DynamicModule } from '@nestjs/common';
import type { z } from 'zod';
import { JsonLogger, startTelemetry } from '@gm/telemetry';
import { ConfigError, loadConfig, type ServiceConfig } from './config/service-config';

export interface ServiceSpec<C extends ServiceConfig> {
  readonly configSchema: z.ZodType<C>;
  readonly description: string;
  /** Loaded after telemetry has started, so that library instrumentations see their modules load. */
  readonly module: (config: C, logger: JsonLogger) => Promise<DynamicModule>;
  /** Database options, for the `migrate` command. */
  readonly database: (config: C) => Promise<import('@gm/persistence').DatabaseOptions>;
}

/**
 * `main.ts` of every service. `node main.js` runs the service; `node main.js migrate` applies
 * pending migrations and exits. A bad configuration stops the process with exit code 1 and a
 * message naming each variable.
 */
export async function runService<C extends ServiceConfig>(spec: ServiceSpec<C>): Promise<void> {
  let config: C;
  try {
    config = loadConfig(spec.configSchema, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'fatal', msg: 'config.invalid', problems: err.problems })}\n`);
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = new JsonLogger(config.service, config.telemetry.logLevel);
  const telemetry = startTelemetry({
    serviceName: config.service,
    serviceVersion: config.version,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    instrumentLibraries: true,
  });

  try {
    if (process.argv.slice(2).includes('migrate')) {
      const { openDatabase, migrate, ormLog } = await import('@gm/persistence');
      const opts = await spec.database(config);
      const orm = await openDatabase({ ...opts, log: ormLog(logger) });
      const applied = await migrate(orm, opts);
      logger.event('info', 'database.migrated', { schema: opts.schema, applied });
      await orm.close(true);
      await telemetry.shutdown();
      return;
    }
    const { createServiceApp, startServiceApp } = await import('./bootstrap.js');
    const module = await spec.module(config, logger);
    const app = await createServiceApp({ config, logger, module, description: spec.description });
    await startServiceApp(app, config, logger);
    process.once('beforeExit', () => void telemetry.shutdown());
  } catch (err) {
    logger.fatal(err instanceof Error ? err : new Error(String(err)), 'Bootstrap');
    await telemetry.shutdown().catch(() => undefined);
    process.exit(1);
  }
}

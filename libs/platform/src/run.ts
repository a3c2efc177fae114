import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
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
  /** Request bodies of these content types reach handlers as streams (bulk uploads). */
  readonly streamedContentTypes?: readonly string[];
  /** Sub-commands (`node main.js <name> args…`), run inside the app's DI context without HTTP. */
  readonly commands?: Readonly<Record<string, ServiceCommand<C>>>;
}

export interface ServiceCommandContext<C extends ServiceConfig> {
  readonly app: INestApplicationContext;
  readonly config: C;
  readonly logger: JsonLogger;
  readonly args: readonly string[];
}

/** A command run inside the app's DI context. `run` returns the process exit code. */
export interface ContextCommand<C extends ServiceConfig> {
  readonly usage: string;
  readonly standalone?: false;
  readonly run: (ctx: ServiceCommandContext<C>) => Promise<number>;
}

/** A deploy step run without the app (no database, no consumers): it gets the configuration only. */
export interface StandaloneCommand<C extends ServiceConfig> {
  readonly usage: string;
  readonly standalone: true;
  readonly run: (ctx: Omit<ServiceCommandContext<C>, 'app'>) => Promise<number>;
}

export type ServiceCommand<C extends ServiceConfig> = ContextCommand<C> | StandaloneCommand<C>;

/**
 * `main.ts` of every service. `node main.js` runs the service; `node main.js migrate` applies
 * pending migrations and exits; `node main.js <command> …` runs one of the service's commands. A
 * bad configuration stops the process with exit code 1 and a message naming each variable.
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
    attributes: { 'gm.tier': config.tier },
    otlpEndpoint: config.telemetry.otlpEndpoint,
    instrumentLibraries: true,
  });

  const [command, ...args] = process.argv.slice(2);
  try {
    if (command !== undefined && command !== 'migrate') {
      const cmd = spec.commands?.[command];
      if (!cmd) {
        const known = ['migrate', ...Object.entries(spec.commands ?? {}).map(([name, c]) => `${name} ${c.usage}`)];
        process.stderr.write(`unknown command "${command}"; commands:\n${known.map((k) => `  ${k}`).join('\n')}\n`);
        process.exit(2);
      }
      if (cmd.standalone) {
        let code = 1;
        try {
          code = await cmd.run({ config, logger, args });
        } finally {
          await telemetry.shutdown();
        }
        process.exit(code);
      }
      const { createServiceContext } = await import('./bootstrap.js');
      const app = await createServiceContext(await spec.module(config, logger), logger);
      let code = 1;
      try {
        code = await cmd.run({ app, config, logger, args });
      } finally {
        await app.close();
        await telemetry.shutdown();
      }
      process.exit(code);
    }
    if (command === 'migrate') {
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
    const app = await createServiceApp({
      config,
      logger,
      module,
      description: spec.description,
      ...(spec.streamedContentTypes && { streamedContentTypes: spec.streamedContentTypes }),
    });
    await startServiceApp(app, config, logger);
    process.once('beforeExit', () => void telemetry.shutdown());
  } catch (err) {
    logger.fatal(err instanceof Error ? err : new Error(String(err)), 'Bootstrap');
    await telemetry.shutdown().catch(() => undefined);
    process.exit(1);
  }
}

/** A command whose code is loaded only when it runs (after telemetry has started). */
export function lazyCommand<C extends ServiceConfig>(usage: string, load: () => Promise<ContextCommand<C>>): ContextCommand<C> {
  return { usage, run: async (ctx) => (await load()).run(ctx) };
}

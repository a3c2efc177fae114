import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { HealthRegistry, JsonLogger } from '@gm/telemetry';
import { migrate, openDatabase, ormLog, type DatabaseOptions } from './database';

export interface PersistenceModuleOptions extends DatabaseOptions {
  /** Apply pending migrations when the service starts (default). Otherwise run the `migrate` command. */
  readonly migrateOnStart: boolean;
  readonly readinessTimeoutMs?: number;
}

@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(MikroORM) private readonly orm: MikroORM) {}

  static forRoot(opts: PersistenceModuleOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        {
          provide: MikroORM,
          inject: [HealthRegistry, JsonLogger],
          useFactory: async (health: HealthRegistry, logger: JsonLogger) => {
            const orm = await openDatabase({ ...opts, log: ormLog(logger) });
            if (opts.migrateOnStart) {
              const applied = await migrate(orm, opts);
              logger.event('info', 'database.migrated', { schema: opts.schema, applied }, 'PersistenceModule');
            }
            health.register(
              'database',
              async () => {
                await orm.em.getConnection().execute('SELECT 1');
              },
              opts.readinessTimeoutMs ?? 2000,
            );
            return orm;
          },
        },
        { provide: EntityManager, inject: [MikroORM], useFactory: (orm: MikroORM) => orm.em },
      ],
      exports: [MikroORM, EntityManager],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.orm.close(true);
  }
}

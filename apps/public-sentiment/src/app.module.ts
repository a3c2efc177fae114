import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@gm/contracts';
import { PersistenceModule } from '@gm/persistence';
import { PlatformModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { CaseModule } from './cases/case.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ config, logger, outbox: { streams: [Streams.caseEvents] } }),
        PersistenceModule.forRoot({ ...databaseOptions(config), migrateOnStart: config.database.migrateOnStart }),
        CaseModule,
      ],
    };
  }
}

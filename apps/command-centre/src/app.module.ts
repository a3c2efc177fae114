import { Module, type DynamicModule } from '@nestjs/common';
import { PersistenceModule } from '@gm/persistence';
import { PlatformModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { LiveModule } from './live/live.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ config, logger }),
        PersistenceModule.forRoot({ ...databaseOptions(config), migrateOnStart: config.database.migrateOnStart }),
        LiveModule,
      ],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@gm/contracts';
import { serviceModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { CaseModule } from './cases/case.module';
import { Open311Module } from './open311/open311.module';
import { FederationModule } from './federation/federation.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return serviceModule(AppModule, { config, logger, database: databaseOptions(config), outbox: { streams: [Streams.caseEvents] }, features: [CaseModule, Open311Module, FederationModule] });
  }
}

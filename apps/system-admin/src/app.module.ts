import { Module, type DynamicModule } from '@nestjs/common';
import { Streams } from '@gm/contracts';
import { serviceModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { IdentityModule } from './identity/identity.module';
import { OrgTreeModule } from './org-tree/org-tree.module';
import { ParameterModule } from './parameters/parameter.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return serviceModule(AppModule, { config, logger, database: databaseOptions(config), outbox: { streams: [Streams.orgEvents, Streams.parameterEvents] }, features: [IdentityModule, OrgTreeModule, ParameterModule] });
  }
}

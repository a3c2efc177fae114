import type { ServiceName } from '@gm/contracts';
import type { ServiceConfig } from '@gm/platform';
import type { ServiceUnderTest } from '@gm/testing';
import * as baseData from '../../apps/base-data/src/app.module';
import * as baseDataConfig from '../../apps/base-data/src/config/config';
import * as systemAdmin from '../../apps/system-admin/src/app.module';
import * as systemAdminConfig from '../../apps/system-admin/src/config/config';
import * as publicSentiment from '../../apps/public-sentiment/src/app.module';
import * as publicSentimentConfig from '../../apps/public-sentiment/src/config/config';
import * as serviceOffice from '../../apps/service-office/src/app.module';
import * as serviceOfficeConfig from '../../apps/service-office/src/config/config';
import * as commandCentre from '../../apps/command-centre/src/app.module';
import * as commandCentreConfig from '../../apps/command-centre/src/config/config';
import * as mobileGateway from '../../apps/mobile-gateway/src/app.module';
import * as mobileGatewayConfig from '../../apps/mobile-gateway/src/config/config';
import * as gis from '../../apps/gis/src/app.module';
import * as gisConfig from '../../apps/gis/src/config/config';

/** The seven services as their main.ts starts them (the streamed content types included), for tests of all of them. */
export const SEVEN_SERVICES: Record<ServiceName, ServiceUnderTest<ServiceConfig>> = {
  'base-data': { configSchema: baseDataConfig.configSchema, module: (c, l) => baseData.AppModule.forRoot(c as baseDataConfig.AppConfig, l), streamedContentTypes: ['text/csv'] },
  'system-admin': { configSchema: systemAdminConfig.configSchema, module: (c, l) => systemAdmin.AppModule.forRoot(c as systemAdminConfig.AppConfig, l), streamedContentTypes: ['text/csv'] },
  'public-sentiment': { configSchema: publicSentimentConfig.configSchema, module: (c, l) => publicSentiment.AppModule.forRoot(c as publicSentimentConfig.AppConfig, l) },
  'service-office': { configSchema: serviceOfficeConfig.configSchema, module: (c, l) => serviceOffice.AppModule.forRoot(c as serviceOfficeConfig.AppConfig, l) },
  'command-centre': { configSchema: commandCentreConfig.configSchema, module: (c, l) => commandCentre.AppModule.forRoot(c as commandCentreConfig.AppConfig, l) },
  'mobile-gateway': { configSchema: mobileGatewayConfig.configSchema, module: (c, l) => mobileGateway.AppModule.forRoot(c as mobileGatewayConfig.AppConfig, l) },
  gis: { configSchema: gisConfig.configSchema, module: (c, l) => gis.AppModule.forRoot(c as gisConfig.AppConfig, l), streamedContentTypes: ['application/geo+json'] },
};

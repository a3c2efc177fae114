import { Module } from '@nestjs/common';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { SqlModule } from '../sql.module';
import { AssessmentSchemeProvider } from './assessment-scheme.provider';
import { DataUpdatesConsumer } from './data-updates.consumer';
import { KpiLedger } from './kpi-ledger.service';
import { KpiUplinkConsumer } from './kpi-uplink.consumer';
import { KpiController } from './kpi.controller';
import { KpiRepository } from './kpi.repository';
import { KpiService } from './kpi.service';

@Module({
  imports: [SqlModule, CatalogueModule],
  controllers: [KpiController],
  providers: [KpiRepository, KpiLedger, KpiService, AssessmentSchemeProvider, DataUpdatesConsumer, KpiUplinkConsumer],
  exports: [KpiRepository, KpiLedger],
})
export class KpiModule {}

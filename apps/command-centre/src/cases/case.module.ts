import { Module } from '@nestjs/common';
import { KpiModule } from '../kpis/kpi.module';
import { SqlModule } from '../sql.module';
import { CaseMapController } from './case-map.controller';
import { CaseReadModelConsumer } from './case-read-model.consumer';
import { CaseReadModelRepository } from './case-read-model.repository';

@Module({
  controllers: [CaseMapController],
  imports: [SqlModule, KpiModule],
  providers: [CaseReadModelRepository, CaseReadModelConsumer],
  exports: [CaseReadModelRepository],
})
export class CaseModule {}

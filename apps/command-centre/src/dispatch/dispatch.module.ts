import { Module } from '@nestjs/common';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { CaseModule } from '../cases/case.module';
import { WorkerModule } from '../workers/worker.module';
import { DispatchController } from './dispatch.controller';
import { DispatchService } from './dispatch.service';

@Module({
  imports: [CaseModule, WorkerModule, CatalogueModule],
  controllers: [DispatchController],
  providers: [DispatchService],
})
export class DispatchModule {}

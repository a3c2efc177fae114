import { Module } from '@nestjs/common';
import { CoverageService } from '../coverage/coverage.service';
import { LayerService } from '../layers/layer.service';
import { LocateController } from '../locate/locate.controller';
import { LocateNatsController } from '../locate/locate.nats.controller';
import { LocateService } from '../locate/locate.service';
import { BoundaryController } from './boundary.controller';
import { BoundaryImportService } from './boundary-import.service';
import { ServiceSql } from '@gm/platform';

@Module({
  controllers: [BoundaryController, LocateController, LocateNatsController],
  providers: [ServiceSql, BoundaryImportService, CoverageService, LayerService, LocateService],
  exports: [BoundaryImportService, CoverageService],
})
export class BoundaryModule {}

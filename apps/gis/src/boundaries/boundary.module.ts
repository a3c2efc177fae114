import { Module } from '@nestjs/common';
import { CoverageRepository } from '../coverage/coverage.repository';
import { CoverageService } from '../coverage/coverage.service';
import { TrackCoverageNatsController, TrackCoverageService } from '../coverage/track-coverage.service';
import { LayerService } from '../layers/layer.service';
import { LocateController } from '../locate/locate.controller';
import { LocateNatsController } from '../locate/locate.nats.controller';
import { LocateService } from '../locate/locate.service';
import { BoundaryController } from './boundary.controller';
import { BoundaryImportService } from './boundary-import.service';
import { BoundaryRepository } from './boundary.repository';
import { BoundaryImportRepository } from './boundary-import.repository';
import { ServiceSql } from '@gm/platform';

@Module({
  controllers: [BoundaryController, LocateController, LocateNatsController, TrackCoverageNatsController],
  providers: [ServiceSql, BoundaryRepository, BoundaryImportRepository, BoundaryImportService, CoverageRepository, CoverageService, LayerService, LocateService, TrackCoverageService],
  exports: [BoundaryImportService, CoverageService],
})
export class BoundaryModule {}

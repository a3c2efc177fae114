import { Module } from '@nestjs/common';
import { CaseController } from './case.controller';
import { CaseNatsController } from './case.nats.controller';
import { CaseRepository } from './case.repository';
import { CaseService } from './case.service';

@Module({
  controllers: [CaseController, CaseNatsController],
  providers: [CaseService, CaseRepository],
})
export class CaseModule {}

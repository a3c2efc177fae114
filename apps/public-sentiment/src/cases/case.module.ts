import { Module } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';
import { CaseRulesController } from '../rules/case-rules.controller';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { CaseController } from './case.controller';
import { CaseNatsController } from './case.nats.controller';
import { CaseQueryService } from './case-query.service';
import { CaseRepository } from './case.repository';
import { CaseListQuery } from './case-list.query';
import { CaseChanges } from './case-changes';
import { CaseService } from './case.service';
import { CaseWorkflowService } from './case-workflow.service';
import { DeadlineScheduler } from './deadline.scheduler';
import { TierPosition } from '../tier/tier-position';
import { CaseSteps } from './step-recorded';
import { CaseWorkflowController } from './case-workflow.controller';

@Module({
  controllers: [CaseController, CaseNatsController, CaseRulesController, CaseWorkflowController],
  providers: [ServiceSql, CaseRulesProvider, CaseService, CaseWorkflowService, CaseQueryService, CaseRepository, CaseListQuery, CaseChanges, DeadlineScheduler, TierPosition, CaseSteps],
  exports: [ServiceSql, CaseRulesProvider, CaseService, CaseRepository, CaseWorkflowService, CaseChanges, TierPosition, CaseSteps],
})
export class CaseModule {}

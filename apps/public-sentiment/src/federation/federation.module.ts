import { Module } from '@nestjs/common';
import { CaseModule } from '../cases/case.module';
import { FederationController } from './federation.controller';
import { FederationInbound } from './federation-inbound';
import { FederationOutbound } from './federation-outbound';
import { FederationMetrics } from './federation-metrics';
import { EscalationReceiver } from './inbound/escalation-receiver';
import { LocalEvents } from './inbound/local-events';
import { ProgressReceiver } from './inbound/progress-receiver';
import { TierSummaryPublisher } from './tier-summary.publisher';
import { TierSummaryStore } from './tier-summary.store';

/** This tier's links to its parent and children (see tier-position.ts); idle unless FEDERATION_ENABLED. */
@Module({
  imports: [CaseModule],
  controllers: [FederationController],
  providers: [
    FederationOutbound,
    FederationInbound,
    EscalationReceiver,
    ProgressReceiver,
    LocalEvents,
    FederationMetrics,
    TierSummaryStore,
    TierSummaryPublisher,
  ],
})
export class FederationModule {}

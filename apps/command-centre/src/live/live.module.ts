import { Module } from '@nestjs/common';
import { CaseEventsConsumer } from './case-events.consumer';
import { LiveController } from './live.controller';
import { LiveEventRepository } from './live-event.repository';
import { LiveHub } from './live-hub.service';

@Module({
  controllers: [LiveController],
  providers: [LiveHub, LiveEventRepository, CaseEventsConsumer],
})
export class LiveModule {}

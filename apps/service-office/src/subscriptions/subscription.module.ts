import { Module } from '@nestjs/common';
import { DepartmentModule } from '../departments/department.module';
import { AddressedEvents } from './addressed-events';
import { CaseEventFanOut } from './case-event-fan-out';
import { DepartmentFeeds } from './department-feeds';
import { DepartmentUplink } from './department-uplink';
import { SubscriptionController } from './subscription.controller';
import { SubscriptionRepository } from './subscription.repository';
import { SubscriptionService } from './subscription.service';
import { WebhookDeliverer } from './webhook-deliverer';

@Module({
  imports: [DepartmentModule],
  controllers: [SubscriptionController],
  providers: [SubscriptionRepository, SubscriptionService, WebhookDeliverer, DepartmentFeeds, DepartmentUplink, CaseEventFanOut, AddressedEvents],
  exports: [SubscriptionService, WebhookDeliverer, SubscriptionRepository, AddressedEvents, CaseEventFanOut, DepartmentUplink],
})
export class SubscriptionModule {}

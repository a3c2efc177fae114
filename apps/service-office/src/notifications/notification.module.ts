import { Module } from '@nestjs/common';
import { SubscriptionModule } from '../subscriptions/subscription.module';
import { DepartmentModule } from '../departments/department.module';
import { InboxController } from './inbox.controller';
import { InboxRepository } from './inbox.repository';
import { InboxService } from './inbox.service';
import { ReporterNotifier } from './reporter-notifier';

@Module({
  imports: [DepartmentModule, SubscriptionModule],
  controllers: [InboxController],
  providers: [InboxRepository, InboxService, ReporterNotifier],
  exports: [InboxRepository],
})
export class NotificationModule {}

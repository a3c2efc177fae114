import { Module } from '@nestjs/common';
import { DepartmentModule } from '../departments/department.module';
import { NotificationModule } from '../notifications/notification.module';
import { SubscriptionModule } from '../subscriptions/subscription.module';
import { WorkOrderController } from './work-order.controller';
import { WorkOrderRepository } from './work-order.repository';
import { WorkOrderService } from './work-order.service';

@Module({
  imports: [DepartmentModule, SubscriptionModule, NotificationModule],
  controllers: [WorkOrderController],
  providers: [WorkOrderRepository, WorkOrderService],
  exports: [WorkOrderService],
})
export class WorkOrderModule {}

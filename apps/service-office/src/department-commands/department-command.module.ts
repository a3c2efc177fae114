import { Module } from '@nestjs/common';
import { DepartmentModule } from '../departments/department.module';
import { SubscriptionModule } from '../subscriptions/subscription.module';
import { WorkOrderModule } from '../work-orders/work-order.module';
import { DepartmentCommandController } from './department-command.controller';
import { DepartmentCommandRepository } from './department-command.repository';
import { DepartmentCommandService } from './department-command.service';

@Module({
  imports: [DepartmentModule, SubscriptionModule, WorkOrderModule],
  controllers: [DepartmentCommandController],
  providers: [DepartmentCommandRepository, DepartmentCommandService],
})
export class DepartmentCommandModule {}

import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule } from '@gm/platform';
import type { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from './config/config';
import { databaseOptions } from './database';
import { DepartmentModule } from './departments/department.module';
import { SubscriptionModule } from './subscriptions/subscription.module';
import { WorkOrderModule } from './work-orders/work-order.module';
import { ResidentServiceModule } from './resident-services/resident-service.module';
import { NoticeModule } from './notices/notice.module';
import { NotificationModule } from './notifications/notification.module';
import { DepartmentCommandModule } from './department-commands/department-command.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return serviceModule(AppModule, { config, logger, database: databaseOptions(config), features: [DepartmentModule, SubscriptionModule, WorkOrderModule, ResidentServiceModule, NoticeModule, NotificationModule, DepartmentCommandModule] });
  }
}

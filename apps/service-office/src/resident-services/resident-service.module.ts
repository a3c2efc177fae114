import { Module } from '@nestjs/common';
import { DepartmentModule } from '../departments/department.module';
import { ServiceRequestController } from './service-request.controller';
import { ServiceRequestRepository } from './service-request.repository';
import { ServiceRequestService } from './service-request.service';

@Module({ imports: [DepartmentModule], controllers: [ServiceRequestController], providers: [ServiceRequestRepository, ServiceRequestService] })
export class ResidentServiceModule {}

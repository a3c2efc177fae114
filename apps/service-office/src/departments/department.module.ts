import { Module } from '@nestjs/common';
import { CatalogueProvider, ServiceSql } from '@gm/platform';
import { DepartmentController } from './department.controller';
import { DepartmentRepository } from './department.repository';
import { DepartmentService } from './department.service';

@Module({ controllers: [DepartmentController], providers: [ServiceSql, CatalogueProvider, DepartmentRepository, DepartmentService], exports: [DepartmentService, ServiceSql, CatalogueProvider] })
export class DepartmentModule {}

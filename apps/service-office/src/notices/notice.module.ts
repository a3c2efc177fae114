import { Module } from '@nestjs/common';
import { DepartmentModule } from '../departments/department.module';
import { NoticeController } from './notice.controller';
import { NoticeRepository } from './notice.repository';
import { NoticeService } from './notice.service';

@Module({ imports: [DepartmentModule], controllers: [NoticeController], providers: [NoticeRepository, NoticeService] })
export class NoticeModule {}

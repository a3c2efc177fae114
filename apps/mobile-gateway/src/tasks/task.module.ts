import { Module } from '@nestjs/common';
import { HandoverModule } from '../handovers/handover.module';
import { TaskController } from './task.controller';

@Module({ imports: [HandoverModule], controllers: [TaskController] })
export class TaskModule {}

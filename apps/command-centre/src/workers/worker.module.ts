import { Module } from '@nestjs/common';
import { SqlModule } from '../sql.module';
import { WorkerController } from './worker.controller';
import { WorkerPositionsConsumer } from './worker-positions.consumer';
import { WorkerRepository } from './worker.repository';

@Module({
  controllers: [WorkerController],
  imports: [SqlModule],
  providers: [WorkerRepository, WorkerPositionsConsumer],
  exports: [WorkerRepository],
})
export class WorkerModule {}

import { Module } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';
import { ParameterController } from './parameter.controller';
import { ParameterNatsController } from './parameter.nats.controller';
import { ParameterRepository } from './parameter.repository';
import { ParameterService } from './parameter.service';

@Module({
  controllers: [ParameterController, ParameterNatsController],
  providers: [ServiceSql, ParameterRepository, ParameterService],
})
export class ParameterModule {}

import { Module } from '@nestjs/common';
import { PositionModule } from '../positions/position.module';
import { PatrolController } from './patrol.controller';
import { PatrolService } from './patrol.service';

@Module({ imports: [PositionModule], controllers: [PatrolController], providers: [PatrolService], exports: [PatrolService] })
export class PatrolModule {}

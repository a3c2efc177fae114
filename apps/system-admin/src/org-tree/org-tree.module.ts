import { Module } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';
import { OrgTreeController } from './org-tree.controller';
import { OrgTreeNatsController } from './org-tree.nats.controller';
import { OrgTreeService } from './org-tree.service';

@Module({
  controllers: [OrgTreeController, OrgTreeNatsController],
  providers: [ServiceSql, OrgTreeService],
  exports: [OrgTreeService],
})
export class OrgTreeModule {}

import { Module } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';
import { OrgTreeController } from './org-tree.controller';
import { OrgTreeNatsController } from './org-tree.nats.controller';
import { OrgTreeRepository } from './org-tree.repository';
import { OrgTreeService } from './org-tree.service';

@Module({
  controllers: [OrgTreeController, OrgTreeNatsController],
  providers: [ServiceSql, OrgTreeRepository, OrgTreeService],
  exports: [OrgTreeService],
})
export class OrgTreeModule {}

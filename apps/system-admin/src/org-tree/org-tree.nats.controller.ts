import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type RpcResponse } from '@gm/contracts';
import { Public } from '@gm/auth';
import { OrgTreeService } from './org-tree.service';

@Controller()
export class OrgTreeNatsController {
  constructor(private readonly tree: OrgTreeService) {}

  /** Public inside the tier: the org tree is published information, and imports run from the shell. */
  @Public()
  @MessagePattern(Rpc.orgUnits.pattern)
  async units(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.orgUnits>> {
    return { units: await this.tree.units(validate(Rpc.orgUnits.request, payload)) };
  }
}

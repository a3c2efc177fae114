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

  /** Public inside the tier: an account's unit and partner are the roster's (no names). */
  @Public()
  @MessagePattern(Rpc.staffMember.pattern)
  async staffMember(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.staffMember>> {
    return { member: (await this.tree.member(validate(Rpc.staffMember.request, payload).username)) ?? null };
  }
}

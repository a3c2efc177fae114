import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type Principal, type RpcResponse } from '@gm/contracts';
import { CurrentPrincipal } from '@gm/auth';
import { actorOf } from '../records/http';
import { ChangeProposalService } from './change-proposal.service';

/** The handheld's must-reports arrive through mobile-gateway's sync, with the worker's own token. */
@Controller()
export class ChangeProposalNatsController {
  constructor(private readonly proposals: ChangeProposalService) {}

  @MessagePattern(Rpc.recordGrid.pattern)
  async recordGrid(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.recordGrid>> {
    const req = validate(Rpc.recordGrid.request, payload);
    return { gridCode: await this.proposals.gridOf(principal.orgUnit, req) };
  }

  @MessagePattern(Rpc.proposeChange.pattern)
  propose(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.proposeChange>> {
    const req = validate(Rpc.proposeChange.request, payload);
    return this.proposals.propose(actorOf(principal, ['grid-worker', 'grid-leader', 'community-staff']), req);
  }
}

import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type Principal, type RpcResponse } from '@gm/contracts';
import { CurrentPrincipal } from '@gm/auth';
import { CaseService } from './case.service';

@Controller()
export class CaseNatsController {
  constructor(private readonly cases: CaseService) {}

  @MessagePattern(Rpc.reportCase.pattern)
  async report(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.reportCase>> {
    const req = validate(Rpc.reportCase.request, payload);
    return this.cases.report(principal, req.report, req.channel, req.idempotencyKey);
  }
}

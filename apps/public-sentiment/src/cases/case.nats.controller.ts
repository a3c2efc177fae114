import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type Principal, type RpcResponse } from '@gm/contracts';
import { CurrentPrincipal, Public } from '@gm/auth';
import { CaseService } from './case.service';

@Controller()
export class CaseNatsController {
  constructor(private readonly cases: CaseService) {}

  @MessagePattern(Rpc.reportCase.pattern)
  async report(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.reportCase>> {
    const req = validate(Rpc.reportCase.request, payload);
    return this.cases.report(principal, req.report, req.channel, req.idempotencyKey);
  }

  /** Counts only, no case content: callers are services building summaries (their callers' scope is checked there). */
  @Public()
  @MessagePattern(Rpc.openCases.pattern)
  openCases(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.openCases>> {
    return this.cases.openCases(validate(Rpc.openCases.request, payload).under);
  }
}

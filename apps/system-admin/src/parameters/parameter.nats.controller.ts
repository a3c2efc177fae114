import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type RpcResponse } from '@gm/contracts';
import { Public } from '@gm/auth';
import { ParameterService } from './parameter.service';

@Controller()
export class ParameterNatsController {
  constructor(private readonly parameters: ParameterService) {}

  /** Public inside the tier: the rules are no secret, and services read them without a user. */
  @Public()
  @MessagePattern(Rpc.caseRules.pattern)
  caseRules(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.caseRules>> {
    validate(Rpc.caseRules.request, payload ?? {});
    return this.parameters.caseRules();
  }
}

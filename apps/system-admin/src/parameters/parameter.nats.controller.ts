import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type RpcResponse } from '@gm/contracts';
import { Public } from '@gm/auth';
import { ParameterService } from './parameter.service';

@Controller()
export class ParameterNatsController {
  constructor(private readonly parameters: ParameterService) {}

  /** Public inside the tier: parameters are no secret, and services read them without a user. */
  @Public()
  @MessagePattern(Rpc.parameter.pattern)
  get(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.parameter>> {
    return this.parameters.get(validate(Rpc.parameter.request, payload).key);
  }
}

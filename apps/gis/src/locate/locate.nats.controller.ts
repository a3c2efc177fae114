import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type RpcResponse } from '@gm/contracts';
import { Public } from '@gm/auth';
import { LocateService } from './locate.service';

@Controller()
export class LocateNatsController {
  constructor(private readonly locator: LocateService) {}

  /**
   * Public inside the tier: it reveals only which published grid a point lies in, and bulk imports
   * run from the shell (no user token) need it.
   */
  @Public()
  @MessagePattern(Rpc.locate.pattern)
  async locate(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.locate>> {
    const req = validate(Rpc.locate.request, payload);
    return { grids: await this.locator.gridCodes(req.points) };
  }
}

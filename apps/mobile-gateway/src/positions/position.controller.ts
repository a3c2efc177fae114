import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { postPositionsBodySchema, postPositionsResultSchema, type PostPositionsBody, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { PositionService } from './position.service';

@ApiTags('positions 位置')
@Controller('api/v1/positions')
export class PositionController {
  constructor(private readonly positions: PositionService) {}

  @Post()
  @HttpCode(202)
  @Roles('grid-worker', 'grid-leader')
  @ApiOperation({
    summary: '上传位置 Send a batch of your GPS fixes (oldest to newest, at most 500)',
    description:
      'Each fix: time with offset, WGS84 latitude and longitude, accuracy in metres. A fix in the future (beyond 2 minutes of clock skew) or older than 72 hours ' +
      'is refused, naming it (`fixes.<i>.at`); nothing of a refused batch is kept. `worker`, if sent, must be your own subject.',
  })
  @ApiErrorResponses({ 400: 'A fix that is not valid, named by its place (fixes.<i>.<field>)', 403: 'Positions of another worker, or a role without a handheld' })
  @ApiJsonResponse(202, 'Accepted; the command centre shows it within a second', postPositionsResultSchema)
  post(@Body({ schema: postPositionsBodySchema }) body: PostPositionsBody, @CurrentPrincipal() principal: Principal) {
    return this.positions.accept(principal, body);
  }
}

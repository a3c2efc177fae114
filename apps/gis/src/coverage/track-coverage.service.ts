import { Controller, Injectable } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DomainError, Rpc, validate, type RpcResponse } from '@gm/contracts';
import { BoundaryRepository } from '../boundaries/boundary.repository';

/**
 * How much of a grid a patrol covered: the share of the grid's area that lies within a distance of
 * the track (a corridor around the line walked; geodesic metres and m²).
 */
@Injectable()
export class TrackCoverageService {
  constructor(private readonly boundaries: BoundaryRepository) {}

  async coverage(gridCode: string, track: readonly { longitude: number; latitude: number }[], withinM: number): Promise<RpcResponse<typeof Rpc.trackCoverage>> {
    const row = await this.boundaries.trackCoverage(gridCode, track, withinM);
    if (!row) throw new DomainError('UNIT.NOT_FOUND', `no grid boundary ${gridCode}`);
    const covered = Math.min(row.covered, row.grid);
    return { gridCode, share: row.grid > 0 ? covered / row.grid : 0, gridAreaM2: row.grid, coveredM2: covered };
  }
}

@Controller()
export class TrackCoverageNatsController {
  constructor(private readonly tracks: TrackCoverageService) {}

  @MessagePattern(Rpc.trackCoverage.pattern)
  async coverage(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.trackCoverage>> {
    const req = validate(Rpc.trackCoverage.request, payload);
    return this.tracks.coverage(req.gridCode, req.track, req.withinM);
  }
}

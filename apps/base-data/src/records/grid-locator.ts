import { Inject, Injectable } from '@nestjs/common';
import { DomainError, Rpc } from '@gm/contracts';
import { isWithinScope } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';

/** Places a point of a hand-made record in its grid (gis), which must lie in the caller's unit. */
@Injectable()
export class GridLocator {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The grid of `location`, or a 400 naming the field when it lies in no grid or outside `scope`. */
  async gridIn(scope: string, location: { longitude: number; latitude: number }, field = 'location'): Promise<string> {
    const located = await this.rpc.request(Rpc.locate, { points: [location] }, { timeoutMs: this.config.own.LOOKUP_TIMEOUT_MS });
    const grid = located.grids[0] ?? null;
    if (!grid) throw DomainError.validation([{ field, message: 'lies in no grid of the district' }]);
    if (!isWithinScope(scope, grid)) throw DomainError.validation([{ field, message: `lies in grid ${grid}, outside your unit` }]);
    return grid;
  }
}

/**
 * A code given for a new record must name the grid its point lies in (`pattern`'s first group);
 * otherwise the next serial of the grid is taken by the caller.
 */
export function checkGivenCode(code: string, pattern: RegExp, grid: string, example: string): RegExpExecArray {
  const m = pattern.exec(code);
  if (!m) throw DomainError.validation([{ field: 'code', message: `must look like ${example}` }]);
  if (m[1] !== grid) throw DomainError.validation([{ field: 'code', message: `names grid ${m[1]}, but the point lies in grid ${grid}` }]);
  return m;
}

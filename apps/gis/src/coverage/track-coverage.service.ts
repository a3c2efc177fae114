import { Controller, Injectable } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DomainError, Rpc, validate, type RpcResponse } from '@gm/contracts';
import { ServiceSql } from '@gm/platform';

/**
 * How much of a grid a patrol covered: the share of the grid's area that lies within a distance of
 * the track (a corridor around the line walked; geodesic metres and m²).
 */
@Injectable()
export class TrackCoverageService {
  constructor(private readonly sql: ServiceSql) {}

  async coverage(gridCode: string, track: readonly { longitude: number; latitude: number }[], withinM: number): Promise<RpcResponse<typeof Rpc.trackCoverage>> {
    const rows = await this.sql.query<{ grid: number; covered: number }>(
      `WITH g AS (SELECT geom, area_m2 FROM ${this.sql.table('boundaries')} WHERE code = $1 AND level = 'grid'),
            p AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS pt, n FROM unnest($2::float8[], $3::float8[]) WITH ORDINALITY AS u(x, y, n)),
            t AS (SELECT CASE WHEN count(*) > 1 THEN ST_MakeLine(pt ORDER BY n) ELSE ST_Collect(pt) END AS line FROM p),
            c AS (SELECT ST_Buffer(line::geography, $4)::geometry AS corridor FROM t)
       SELECT g.area_m2 AS grid, COALESCE(ST_Area(ST_Intersection(g.geom, c.corridor)::geography), 0) AS covered FROM g, c`,
      [gridCode, track.map((p) => p.longitude), track.map((p) => p.latitude), withinM],
    );
    const row = rows[0];
    if (!row) throw new DomainError('UNIT.NOT_FOUND', `no grid boundary ${gridCode}`);
    const grid = Number(row.grid);
    const covered = Math.min(Number(row.covered), grid);
    return { gridCode, share: grid > 0 ? covered / grid : 0, gridAreaM2: grid, coveredM2: covered };
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

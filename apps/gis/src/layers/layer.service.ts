import { Injectable } from '@nestjs/common';
import { DomainError } from '@gm/contracts';
import { BoundaryRepository } from '../boundaries/boundary.repository';

export interface LayerQuery {
  readonly level: 'district' | 'street' | 'community' | 'grid';
  readonly bbox?: readonly [number, number, number, number] | undefined;
  readonly zoom: number;
  /** Only units of this unit's subtree (codes are prefixes of their subtree's). */
  readonly within?: string | undefined;
}

/** Map layers: GeoJSON FeatureCollections of one level, simplified to about half a pixel at the zoom. */
@Injectable()
export class LayerService {
  constructor(private readonly boundaries: BoundaryRepository) {}

  /** The FeatureCollection as JSON text, built by PostgreSQL (no re-serialisation here). */
  layer(q: LayerQuery): Promise<string> {
    // Web-mercator tiles are 256 px: degrees per pixel at the equator is 360 / (256 · 2^zoom).
    const tolerance = 360 / (256 * 2 ** q.zoom) / 2;
    return this.boundaries.layer({ level: q.level, tolerance, bbox: q.bbox, within: q.within });
  }

  async unit(code: string): Promise<string> {
    const feature = await this.boundaries.feature(code);
    if (!feature) throw new DomainError('UNIT.NOT_FOUND', `no boundary for ${code}`);
    return feature;
  }
}

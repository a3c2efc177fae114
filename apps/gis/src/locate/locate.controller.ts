import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError, geoPointSchema, locateBatchRequestSchema, locateBatchResponseSchema, locatedUnitsSchema, type LocateBatchRequest, type LocateBatchResponse, type LocatedUnits } from '@gm/contracts';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { LocateService } from './locate.service';

const pointQuery = z
  .object({
    longitude: z.coerce.number({ message: 'longitude must be a number' }),
    latitude: z.coerce.number({ message: 'latitude must be a number' }),
  })
  .pipe(geoPointSchema);

@ApiTags('locate 落格')
@Controller('api/v1/locate')
export class LocateController {
  constructor(private readonly locator: LocateService) {}

  @Get()
  @ApiOperation({
    summary: '坐标落格 The grid, community, street and district of a WGS84 point',
    description: 'A point on an edge shared by several grids belongs to the grid with the lowest code. 404 GIS.OUTSIDE_DISTRICT outside every grid.',
  })
  @ApiJsonResponse(200, 'The units the point lies in', locatedUnitsSchema)
  @ApiErrorResponses({ 404: 'The point lies in no grid (GIS.OUTSIDE_DISTRICT)' })
  async one(@Query({ schema: pointQuery }) q: { longitude: number; latitude: number }): Promise<LocatedUnits> {
    const [found] = await this.locator.locate([q]);
    if (!found) throw new DomainError('GIS.OUTSIDE_DISTRICT', `(${q.longitude}, ${q.latitude}) lies in no grid`);
    return found;
  }

  @Post()
  @ApiOperation({ summary: '批量落格 Up to 10,000 points at once; null for a point outside every grid' })
  @ApiJsonResponse(201, 'One result per point, in order', locateBatchResponseSchema)
  async batch(@Body({ schema: locateBatchRequestSchema }) body: LocateBatchRequest): Promise<LocateBatchResponse> {
    return { results: await this.locator.locate(body.points) };
  }
}

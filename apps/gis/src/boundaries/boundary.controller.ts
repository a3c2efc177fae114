import { Body, Controller, Get, Header, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError, boundaryImportReportSchema, boundaryLevelSchema, type BoundaryImportReport, coverageReportSchema, orgUnitCodeSchema, unitFeatureSchema, unitLayerSchema, type CoverageReport, type Principal } from '@gm/contracts';
import { CurrentPrincipal, RequestScope, Roles, ScopedBy } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse, readBodyText, SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { CoverageService } from '../coverage/coverage.service';
import { LayerService } from '../layers/layer.service';
import { BoundaryImportService } from './boundary-import.service';

const layerQuery = z.object({
  unit: orgUnitCodeSchema.optional(),
  bbox: z
    .string()
    .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'bbox must be minLng,minLat,maxLng,maxLat')
    .transform((v) => v.split(',').map(Number) as [number, number, number, number])
    .optional(),
  zoom: z.coerce.number().int().min(0, 'zoom must be 0–22').max(22, 'zoom must be 0–22').default(14),
});
const coverageQuery = z.object({ deep: z.enum(['true', 'false']).default('false') });

@ApiTags('boundaries 网格边界')
@Controller('api/v1')
export class BoundaryController {
  constructor(
    private readonly imports: BoundaryImportService,
    private readonly coverage: CoverageService,
    private readonly layers: LayerService,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('boundaries/import')
  @HttpCode(200)
  @Roles('admin')
  @ApiConsumes('application/geo+json')
  @ApiOperation({
    summary: '导入网格边界 Import boundaries (GeoJSON FeatureCollection)',
    description: 'All or nothing: any invalid feature rejects the file (400 IMPORT.REJECTED, errors by feature number). Upsert by code; returns counts and the coverage check of every parent touched.',
  })
  @ApiJsonResponse(200, 'Counts and the coverage of the parents touched', boundaryImportReportSchema)
  @ApiErrorResponses({ 400: 'Invalid features, each named by its number (nothing written)', 403: 'Only administrators import', 415: 'Not sent as application/geo+json' })
  async import(@Body() body: unknown, @Headers('content-type') type: string | undefined, @CurrentPrincipal() principal: Principal): Promise<BoundaryImportReport> {
    if (!type?.startsWith('application/geo+json')) throw new DomainError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'send the file as application/geo+json');
    return this.imports.import(await readBodyText(body, this.config.own.IMPORT_MAX_BYTES), `${principal.subject} (${principal.roles.join(',')})`);
  }

  @Get('units/:code')
  @Header('content-type', 'application/geo+json; charset=utf-8')
  @ApiOperation({ summary: '单元边界 One unit as a GeoJSON Feature' })
  @ApiProduces('application/geo+json')
  @ApiJsonResponse(200, 'The unit at full detail', unitFeatureSchema)
  unit(@Param('code', { schema: orgUnitCodeSchema }) code: string) {
    return this.layers.unit(code);
  }

  @Get('units/:code/coverage')
  @Roles('community-staff', 'street-staff', 'district-staff', 'admin', 'auditor')
  @ScopedBy({ in: 'params', name: 'code' })
  @ApiQuery({ name: 'deep', required: false, description: 'true: check every unit with children in the subtree' })
  @ApiOperation({ summary: '覆盖检查 Gaps, overlaps and overhangs among a unit\'s children (areas in m², regions as GeoJSON)' })
  @ApiJsonResponse(200, 'The problems found (none: the children divide the unit exactly)', coverageReportSchema)
  @ApiErrorResponses({ 403: 'The unit lies outside yours', 404: 'No boundary for the unit' })
  check(@Param('code', { schema: orgUnitCodeSchema }) code: string, @Query({ schema: coverageQuery }) q: { deep: 'true' | 'false' }): Promise<CoverageReport> {
    return this.coverage.check(code, q.deep === 'true');
  }

  @Get('layers/:level')
  @ScopedBy({ in: 'query', name: 'unit' })
  @Header('content-type', 'application/geo+json; charset=utf-8')
  @ApiQuery({ name: 'unit', required: false, description: "Only this unit's subtree (default: yours); must lie in your subtree" })
  @ApiQuery({ name: 'bbox', required: false, description: 'minLng,minLat,maxLng,maxLat' })
  @ApiQuery({ name: 'zoom', required: false, description: 'Web map zoom 0–22 (default 14): geometry simplified to about half a pixel' })
  @ApiOperation({ summary: "图层 One level of the division as a GeoJSON FeatureCollection, within your subtree (a community sees its own grids, never a neighbour's)" })
  @ApiProduces('application/geo+json')
  @ApiJsonResponse(200, 'The units of the level (in the box), by code', unitLayerSchema)
  layer(@Param('level', { schema: boundaryLevelSchema }) level: z.infer<typeof boundaryLevelSchema>, @Query({ schema: layerQuery }) q: z.infer<typeof layerQuery>, @RequestScope() scope: string) {
    return this.layers.layer({ level, bbox: q.bbox, zoom: q.zoom, within: scope });
  }
}

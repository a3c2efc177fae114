import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { csvImportResultSchema, DomainError, orgLevelSchema, orgUnitCodeSchema, orgUnitDetailSchema, orgUnitListSchema, type CsvImportResult, type OrgUnit, type OrgUnitDetail } from '@gm/contracts';
import { Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { OrgTreeService } from './org-tree.service';

const listQuery = z.object({ under: orgUnitCodeSchema.optional(), level: orgLevelSchema.optional() });
const importQuery = z.object({ partial: z.enum(['true', 'false']).default('false') });
const IMPORT_ERRORS = { 400: 'The file has bad rows (errors name their line); nothing was written', 415: 'Not sent as text/csv' } as const;

function streamOf(body: unknown): Readable {
  if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') {
    throw new DomainError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'send the file as text/csv');
  }
  return body as Readable;
}

@ApiTags('org tree 组织机构')
@Controller('api/v1')
export class OrgTreeController {
  constructor(private readonly tree: OrgTreeService) {}

  @Get('org-units')
  @ApiOperation({ summary: '组织机构列表 Org units, optionally one subtree and one level' })
  @ApiJsonResponse(200, 'The units, by code', orgUnitListSchema)
  list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>): Promise<OrgUnit[]> {
    return this.tree.units(q);
  }

  @Get('org-units/:code')
  @ApiOperation({ summary: '组织机构 One unit with its path, children and staff (grid leader, A/B-paired grid workers…)' })
  @ApiJsonResponse(200, 'The unit', orgUnitDetailSchema)
  @ApiErrorResponses({ 404: 'No such org unit' })
  unit(@Param('code', { schema: orgUnitCodeSchema }) code: string): Promise<OrgUnitDetail> {
    return this.tree.unit(code);
  }

  @Post('org-units/import')
  @HttpCode(200)
  @Roles('admin')
  @ApiConsumes('text/csv')
  @ApiQuery({ name: 'partial', required: false, description: 'true: import the good rows and report the bad ones' })
  @ApiOperation({ summary: '导入组织机构 Import org-units.csv (code,name,level,parent_code)' })
  @ApiJsonResponse(200, 'Imported (with partial=true: the good rows, and the bad ones listed)', csvImportResultSchema)
  @ApiErrorResponses(IMPORT_ERRORS)
  importUnits(@Body() body: unknown, @Query({ schema: importQuery }) q: z.infer<typeof importQuery>): Promise<CsvImportResult> {
    return this.tree.importOrgUnits(streamOf(body), { partial: q.partial === 'true' });
  }

  @Post('staff/import')
  @HttpCode(200)
  @Roles('admin')
  @ApiConsumes('text/csv')
  @ApiQuery({ name: 'partial', required: false, description: 'true: import the good rows and report the bad ones' })
  @ApiOperation({ summary: '导入网格人员 Import staff.csv (unit_code,username,display_name,post,employment,ab_partner)' })
  @ApiJsonResponse(200, 'Imported (with partial=true: the good rows, and the bad ones listed)', csvImportResultSchema)
  @ApiErrorResponses(IMPORT_ERRORS)
  importStaff(@Body() body: unknown, @Query({ schema: importQuery }) q: z.infer<typeof importQuery>): Promise<CsvImportResult> {
    return this.tree.importStaff(streamOf(body), { partial: q.partial === 'true' });
  }
}

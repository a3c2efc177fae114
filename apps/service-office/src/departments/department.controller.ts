import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { departmentCodeSchema, departmentDetailsBodySchema, departmentListSchema, departmentViewSchema, type DepartmentView, type Principal } from '@gm/contracts';
import type { z } from 'zod';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { DepartmentService } from './department.service';

const READERS = ['grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor'] as const;

@ApiTags('departments 职能部门')
@Controller('api/v1/departments')
export class DepartmentController {
  constructor(private readonly departments: DepartmentService) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: '职能部门 The departments of the category catalogue, with the categories they own, the areas they serve, duty lines and contacts' })
  @ApiJsonResponse(200, 'Every department', departmentListSchema)
  async list(): Promise<{ items: DepartmentView[] }> {
    return { items: await this.departments.list() };
  }

  @Get(':code')
  @Roles(...READERS)
  @ApiOperation({ summary: '部门详情 One department' })
  @ApiJsonResponse(200, 'The department', departmentViewSchema)
  @ApiErrorResponses({ 404: 'No such department in the category catalogue' })
  get(@Param('code', { schema: departmentCodeSchema }) code: string): Promise<DepartmentView> {
    return this.departments.get(code);
  }

  @Put(':code')
  @Roles('admin')
  @ApiOperation({
    summary: '维护部门信息 Set the areas a department serves, its duty line and contacts (its names and categories come from the category catalogue)',
  })
  @ApiJsonResponse(200, 'The department as kept now', departmentViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid (an area outside this tier, a phone number, a contact without a name)', 404: 'No such department in the category catalogue' })
  update(
    @Param('code', { schema: departmentCodeSchema }) code: string,
    @Body({ schema: departmentDetailsBodySchema }) body: z.output<typeof departmentDetailsBodySchema>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DepartmentView> {
    return this.departments.update(principal, code, body);
  }
}

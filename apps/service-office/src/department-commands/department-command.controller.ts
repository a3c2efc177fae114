import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { departmentCommandCreateSchema, departmentCommandPageSchema, departmentCommandQuerySchema, departmentCommandViewSchema, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { DepartmentCommandService } from './department-command.service';

const idParam = z.uuid('id must be a command id (UUID)');

@ApiTags('department-commands 部门办理')
@Controller('api/v1/department-commands')
@Roles('department', 'admin', 'auditor')
export class DepartmentCommandController {
  constructor(private readonly commands: DepartmentCommandService) {}

  @Post()
  @HttpCode(202)
  @Roles('department')
  @ApiOperation({
    summary: '部门办理 Act on a case dispatched to your department, or a work order whistled to it, wherever it is kept',
    description:
      'A target kept at this tier is acted on at once (status applied or refused). One kept at a tier below gets a command that travels down the federation and is applied there; its status is pending until the outcome comes back up (also delivered to your subscriptions as gm.department.command-outcome.v1).',
  })
  @ApiJsonResponse(202, 'The command and its status', departmentCommandViewSchema)
  @ApiErrorResponses({ 400: 'An action that is not a department\'s step, or a field the action needs is missing', 404: 'No such case dispatched to your department, or work order whistled to it' })
  create(@Body({ schema: departmentCommandCreateSchema }) body: z.output<typeof departmentCommandCreateSchema>, @CurrentPrincipal() principal: Principal) {
    return this.commands.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: '办理记录 Your department\'s commands, newest first' })
  @ApiJsonResponse(200, 'One page', departmentCommandPageSchema)
  list(@Query({ schema: departmentCommandQuerySchema }) q: z.output<typeof departmentCommandQuerySchema>, @CurrentPrincipal() principal: Principal) {
    return this.commands.list(principal, q);
  }

  @Get(':id')
  @ApiOperation({ summary: '办理详情 One command and its outcome' })
  @ApiJsonResponse(200, 'The command', departmentCommandViewSchema)
  @ApiErrorResponses({ 404: 'No such command of your department' })
  get(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal) {
    return this.commands.get(principal, id);
  }
}

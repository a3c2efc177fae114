import { Body, Controller, Get, Headers, Param, Put } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  parameterHistorySchema,
  parameterKeySchema,
  parameterListSchema,
  parameterViewSchema,
  validate,
  type ParameterHistory,
  type ParameterKey,
  type ParameterList,
  type ParameterView,
  type Principal,
} from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { ParameterService } from './parameter.service';

const ifMatchSchema = z.string().regex(/^"?\d+"?$/, 'If-Match must be the version number you read, e.g. "3"').transform((v) => Number(v.replace(/"/g, '')));
const READERS = ['admin', 'auditor', 'district-staff', 'street-staff', 'community-staff'] as const;

@ApiTags('parameters 运行参数')
@Controller('api/v1/parameters')
export class ParameterController {
  constructor(private readonly parameters: ParameterService) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: '运行参数 The tier\'s run-time parameters (case rules, category catalogue) with their versions' })
  @ApiJsonResponse(200, 'Every parameter with its version (0: the default shipped with the code)', parameterListSchema)
  async list(): Promise<ParameterList> {
    return { items: await this.parameters.list() };
  }

  @Get(':key')
  @Roles(...READERS)
  @ApiOperation({ summary: '查看参数 One parameter: case-rules (time limits, escalation, working calendar, windows) or case-catalogue (categories, attributes, departments)' })
  @ApiJsonResponse(200, 'The version in force', parameterViewSchema)
  get(@Param('key', { schema: parameterKeySchema }) key: ParameterKey): Promise<ParameterView> {
    return this.parameters.get(key);
  }

  @Put(':key')
  @Roles('admin')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you edited; 409 when it is no longer current' })
  @ApiBody({ description: "The parameter's new value (its shape: GET /api/v1/parameters/{key})", schema: { type: 'object', additionalProperties: true } })
  @ApiOperation({ summary: '修改参数 Save a new version (checked; history kept; readers such as public-sentiment reload it at once)' })
  @ApiJsonResponse(200, 'The version saved', parameterViewSchema)
  @ApiErrorResponses({
    400: "The value does not fit the parameter's schema or rules (errors name each field), or If-Match is not a version",
    403: 'Only administrators save parameters',
    409: 'If-Match names a version that is no longer current: reload and try again',
  })
  save(
    @Param('key', { schema: parameterKeySchema }) key: ParameterKey,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ParameterView> {
    const expected = ifMatch === undefined ? undefined : validate(ifMatchSchema, ifMatch, 'If-Match');
    return this.parameters.save(principal, 'admin', key, body, expected);
  }

  @Get(':key/history')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: '变更记录 Who saved which version of a parameter, and when' })
  @ApiJsonResponse(200, 'The latest 100 versions, newest first', parameterHistorySchema)
  async history(@Param('key', { schema: parameterKeySchema }) key: ParameterKey): Promise<ParameterHistory> {
    return { items: await this.parameters.history(key) };
  }
}

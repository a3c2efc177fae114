import { Body, Controller, Get, Headers, Put } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { caseRulesSchema, validate, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { CASE_RULES_KEY, ParameterService } from './parameter.service';

const ifMatchSchema = z.string().regex(/^"?\d+"?$/, 'If-Match must be the version number you read, e.g. "3"').transform((v) => Number(v.replace(/"/g, '')));

@ApiTags('parameters 运行参数')
@Controller('api/v1/parameters')
export class ParameterController {
  constructor(private readonly parameters: ParameterService) {}

  @Get('case-rules')
  @Roles('admin', 'auditor', 'district-staff', 'street-staff', 'community-staff')
  @ApiOperation({ summary: '案件规则 Case rules: time limits per step, category and urgency; escalation; working calendar; windows' })
  caseRules() {
    return this.parameters.caseRules();
  }

  @Put('case-rules')
  @Roles('admin')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you edited; 409 when it is no longer current' })
  @ApiOperation({
    summary: '修改案件规则 Save a new version of the case rules (validated; history kept; public-sentiment reloads them)',
    requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(caseRulesSchema, { io: 'input' }) as object } } },
  })
  save(@Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @CurrentPrincipal() principal: Principal) {
    const expected = ifMatch === undefined ? undefined : validate(ifMatchSchema, ifMatch, 'If-Match');
    return this.parameters.saveCaseRules(principal, 'admin', body, expected);
  }

  @Get('case-rules/history')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: '规则变更记录 Who saved which version of the case rules, and when' })
  async history() {
    return { items: await this.parameters.history(CASE_RULES_KEY) };
  }
}

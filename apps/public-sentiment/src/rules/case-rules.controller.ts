import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@gm/auth';
import { CaseRulesProvider } from './case-rules.provider';

@ApiTags('cases 案件')
@Controller('api/v1/case-rules')
export class CaseRulesController {
  constructor(private readonly provider: CaseRulesProvider) {}

  @Get()
  @Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor')
  @ApiOperation({ summary: '在用的案件规则 The case rules and category catalogue this tier runs by now, with their versions' })
  current() {
    return { versions: this.provider.versions, rules: this.provider.rules, categories: this.provider.catalogue.list() };
  }
}

import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { caseRulesInForceSchema, type CaseRulesInForce } from '@gm/contracts';
import { Roles } from '@gm/auth';
import { ApiJsonResponse } from '@gm/platform';
import { CaseRulesProvider } from './case-rules.provider';

/** The provider hands its rules out deeply read-only; the answer has the schema's shape all the same. */
type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

@ApiTags('cases 案件')
@Controller('api/v1/case-rules')
export class CaseRulesController {
  constructor(private readonly provider: CaseRulesProvider) {}

  @Get()
  @Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor')
  @ApiOperation({ summary: '在用的案件规则 The case rules and category catalogue this tier runs by now, with their versions' })
  @ApiJsonResponse(200, 'The rules in force', caseRulesInForceSchema)
  current(): DeepReadonly<CaseRulesInForce> {
    const versions = this.provider.versions;
    return {
      versions: { 'case-rules': versions['case-rules'], 'case-catalogue': versions['case-catalogue'] },
      rules: this.provider.rules,
      categories: this.provider.catalogue.list(),
    };
  }
}

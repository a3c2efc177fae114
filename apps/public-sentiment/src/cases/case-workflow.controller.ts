import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CASE_ACTIONS, caseWorkflowSchema, type CaseWorkflowView } from '@gm/contracts';
import { TRANSITIONS } from '@gm/domain';
import { Roles } from '@gm/auth';
import { ApiJsonResponse } from '@gm/platform';

/** The workflow table as it ships (it is code, not a parameter): built once. */
const WORKFLOW: CaseWorkflowView = {
  actions: Object.fromEntries(
    CASE_ACTIONS.map((a) => {
      const r = TRANSITIONS[a];
      return [a, { from: [...r.from], to: r.to, actors: [...r.actors], requires: [...r.requires], rework: r.rework === true }];
    }),
  ) as CaseWorkflowView['actions'],
};

@ApiTags('cases 案件')
@Controller('api/v1/case-workflow')
export class CaseWorkflowController {
  @Get()
  @Roles('grid-worker', 'grid-leader', 'community-staff', 'street-staff', 'district-staff', 'department', 'admin', 'auditor')
  @ApiOperation({ summary: '流转规则 The workflow: for each action, from which states, to which, by whom and with which inputs (for forms; checked again on every action)' })
  @ApiJsonResponse(200, 'The workflow table', caseWorkflowSchema)
  workflow(): CaseWorkflowView {
    return WORKFLOW;
  }
}

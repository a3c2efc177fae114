import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Rpc, validate, type Principal, type RpcResponse } from '@gm/contracts';
import { CurrentPrincipal, Public } from '@gm/auth';
import { CaseQueryService } from './case-query.service';
import { CaseService } from './case.service';
import { CaseWorkflowService } from './case-workflow.service';

@Controller()
export class CaseNatsController {
  constructor(
    private readonly cases: CaseService,
    private readonly queries: CaseQueryService,
    private readonly workflow: CaseWorkflowService,
  ) {}

  /** A worker's open tasks: what was dispatched to them in their unit, and to the workers they cover now (A/B posts). */
  @MessagePattern(Rpc.myTasks.pattern)
  myTasks(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.myTasks>> {
    const req = validate(Rpc.myTasks.request, payload);
    return this.queries.myTasks(principal, req.covering, req.limit);
  }

  @MessagePattern(Rpc.caseAction.pattern)
  act(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.caseAction>> {
    const req = validate(Rpc.caseAction.request, payload);
    return this.workflow.act(principal, req.caseId, req.action, req.body, req.covering);
  }

  @MessagePattern(Rpc.reportCase.pattern)
  async report(@Payload() payload: unknown, @CurrentPrincipal() principal: Principal): Promise<RpcResponse<typeof Rpc.reportCase>> {
    const req = validate(Rpc.reportCase.request, payload);
    return this.cases.report(principal, req.report, req.channel, req.idempotencyKey, { coveredGrids: req.covering.map((c) => c.gridCode) });
  }

  /**
   * A department's step come down from the tier where the department acts (ADR 0015): applied as
   * that department, with the workflow's own checks (the case must be dispatched to it).
   */
  @Public()
  @MessagePattern(Rpc.departmentStep.pattern)
  departmentStep(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.departmentStep>> {
    const req = validate(Rpc.departmentStep.request, payload);
    const principal: Principal = { subject: req.actor.subject, username: req.actor.username, roles: ['department'], orgUnit: req.actor.unit, department: req.actor.department };
    return this.workflow.act(principal, req.caseId, req.action, req.body);
  }

  /** Counts only, no case content: callers are services building summaries (their callers' scope is checked there). */
  @Public()
  @MessagePattern(Rpc.openCases.pattern)
  openCases(@Payload() payload: unknown): Promise<RpcResponse<typeof Rpc.openCases>> {
    return this.cases.openCases(validate(Rpc.openCases.request, payload).under);
  }
}

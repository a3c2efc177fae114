import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  workOrderAcknowledgeSchema,
  workOrderArriveSchema,
  workOrderCreatedSchema,
  workOrderCreateSchema,
  workOrderDeclineSchema,
  workOrderDetailSchema,
  workOrderKpiListSchema,
  workOrderKpiQuerySchema,
  workOrderPageSchema,
  workOrderQuerySchema,
  workOrderResolveSchema,
  workOrderUrgeSchema,
  workOrderWithdrawSchema,
  DomainError,
  type Principal,
  type WorkOrderDetail,
  type WorkOrderKpi,
  type WorkOrderView,
} from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { WORK_ORDER_READERS, WorkOrderService } from './work-order.service';

const idParam = z.uuid('id must be a work order id (UUID)');
const DAY = 86_400_000;
const STEP_ERRORS = {
  400: 'A field is invalid',
  403: 'Your role may not take this step',
  404: 'No such work order of your department or area',
  409: 'The work order is not in a state that allows this step',
} as const;

@ApiTags('work-orders 吹哨报到')
@Controller('api/v1/work-orders')
@Roles(...WORK_ORDER_READERS)
export class WorkOrderController {
  constructor(private readonly workOrders: WorkOrderService) {}

  @Get()
  @ApiOperation({ summary: '吹哨工单 Work orders: a department sees its own; staff those whistled in their area; newest first' })
  @ApiJsonResponse(200, 'One page of work orders', workOrderPageSchema)
  list(@Query({ schema: workOrderQuerySchema }) q: z.output<typeof workOrderQuerySchema>, @CurrentPrincipal() principal: Principal) {
    return this.workOrders.list(principal, q);
  }

  @Post()
  @HttpCode(201)
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '吹哨 Whistle one or more departments about a case or a problem: one work order each, with the place, what is needed and the time limits' })
  @ApiJsonResponse(201, 'The work orders, one per department', workOrderCreatedSchema)
  @ApiErrorResponses({ 400: 'A field is invalid: an unknown department, a case this tier does not know or outside your area, a time limit in the past' })
  async create(@Body({ schema: workOrderCreateSchema }) body: z.output<typeof workOrderCreateSchema>, @CurrentPrincipal() principal: Principal): Promise<{ items: WorkOrderView[] }> {
    return { items: await this.workOrders.create(principal, body) };
  }

  @Get('kpis')
  @ApiOperation({ summary: '部门考核 Department KPIs over the work orders whistled in a period: 响应率, 按时到场率, 办结率 (30 days by default)' })
  @ApiJsonResponse(200, 'Per department', workOrderKpiListSchema)
  @ApiErrorResponses({ 400: 'from is after to' })
  async kpis(@Query({ schema: workOrderKpiQuerySchema }) q: z.output<typeof workOrderKpiQuerySchema>, @CurrentPrincipal() principal: Principal): Promise<{ from: string; to: string; items: WorkOrderKpi[] }> {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY);
    if (from >= to) throw validation('from', 'from must be before to');
    return { from: from.toISOString(), to: to.toISOString(), items: await this.workOrders.kpis(principal, from, to) };
  }

  @Get(':id')
  @ApiOperation({ summary: '工单详情 One work order with its receipts (every step, who took it and when)' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses({ 404: 'No such work order of your department or area' })
  get(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal): Promise<WorkOrderDetail> {
    return this.workOrders.get(principal, id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('department')
  @ApiOperation({ summary: '响应 The department answers the work order' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  acknowledge(@Param('id', { schema: idParam }) id: string, @Body({ schema: workOrderAcknowledgeSchema }) body: z.output<typeof workOrderAcknowledgeSchema>, @CurrentPrincipal() p: Principal) {
    return this.workOrders.act(p, id, { action: 'acknowledge', note: body.note });
  }

  @Post(':id/arrive')
  @HttpCode(200)
  @Roles('department')
  @ApiOperation({ summary: '报到 The department checks in on site (within the tier\'s radius of the place, when the place has a position)' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  arrive(@Param('id', { schema: idParam }) id: string, @Body({ schema: workOrderArriveSchema }) body: z.output<typeof workOrderArriveSchema>, @CurrentPrincipal() p: Principal) {
    return this.workOrders.act(p, id, { action: 'arrive', ...body });
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles('department')
  @ApiOperation({ summary: '办结 The department resolves the work order, with what was done and photos of the result' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  resolve(@Param('id', { schema: idParam }) id: string, @Body({ schema: workOrderResolveSchema }) body: z.output<typeof workOrderResolveSchema>, @CurrentPrincipal() p: Principal) {
    return this.workOrders.act(p, id, { action: 'resolve', ...body });
  }

  @Post(':id/decline')
  @HttpCode(200)
  @Roles('department')
  @ApiOperation({ summary: '说明无法办理 The department explains why it cannot resolve the work order' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  decline(@Param('id', { schema: idParam }) id: string, @Body({ schema: workOrderDeclineSchema }) body: z.output<typeof workOrderDeclineSchema>, @CurrentPrincipal() p: Principal) {
    return this.workOrders.act(p, id, { action: 'decline', reason: body.reason });
  }

  @Post(':id/urge')
  @HttpCode(200)
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '督办 Urge the department (the scheduler also urges once for every time limit missed)' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  urge(@Param('id', { schema: idParam }) id: string, @Body({ schema: workOrderUrgeSchema }) body: z.output<typeof workOrderUrgeSchema>, @CurrentPrincipal() p: Principal) {
    return this.workOrders.act(p, id, { action: 'urge', note: body.note });
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '撤回 The whistling unit withdraws the work order' })
  @ApiJsonResponse(200, 'The work order', workOrderDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  withdraw(@Param('id', { schema: idParam }) id: string, @Body({ schema: workOrderWithdrawSchema }) body: z.output<typeof workOrderWithdrawSchema>, @CurrentPrincipal() p: Principal) {
    return this.workOrders.act(p, id, { action: 'withdraw', reason: body.reason });
  }
}

function validation(field: string, message: string) {
  return DomainError.validation([{ field, message }]);
}

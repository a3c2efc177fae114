import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  DomainError,
  RESIDENT_SERVICES,
  residentServiceListSchema,
  serviceRequestAdvanceSchema,
  serviceRequestCreateSchema,
  serviceRequestDetailSchema,
  serviceRequestMaterialsSchema,
  serviceRequestPageSchema,
  serviceRequestQuerySchema,
  serviceRequestRejectSchema,
  type Principal,
  type ServiceRequestDetail,
} from '@gm/contracts';
import { BearerHeader, CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { HANDLERS, REQUEST_READERS, ServiceRequestService, TAKERS } from './service-request.service';

const idParam = z.uuid('id must be a service request id (UUID)');
const STEP_ERRORS = { 400: 'A field is invalid', 403: 'Your role may not take this step', 404: 'No such request in your area', 409: 'The request is closed, or required materials are missing' } as const;

@ApiTags('resident-services 代办服务')
@Controller('api/v1')
@Roles(...REQUEST_READERS)
export class ServiceRequestController {
  constructor(private readonly requests: ServiceRequestService) {}

  @Get('resident-services')
  @ApiOperation({ summary: '代办事项 The services a community handles on a resident\'s behalf: materials, steps, time limit' })
  @ApiJsonResponse(200, 'The catalogue', residentServiceListSchema)
  catalogue() {
    return { items: RESIDENT_SERVICES.map((d) => ({ ...d, materials: d.materials.map((m) => ({ ...m })), steps: d.steps.map((s) => ({ ...s })) })) };
  }

  @Get('service-requests')
  @ApiOperation({ summary: '代办申请 Requests for residents of your area, newest first' })
  @ApiJsonResponse(200, 'One page', serviceRequestPageSchema)
  list(@Query({ schema: serviceRequestQuerySchema }) q: z.output<typeof serviceRequestQuerySchema>, @CurrentPrincipal() principal: Principal) {
    return this.requests.list(principal, q);
  }

  @Post('service-requests')
  @HttpCode(201)
  @Roles(...TAKERS)
  @ApiOperation({ summary: '受理代办 Take a request for a resident of your area, with the materials collected so far' })
  @ApiJsonResponse(201, 'The request', serviceRequestDetailSchema)
  @ApiErrorResponses({ 400: 'An unknown service, a resident not of your area, a material not on the checklist' })
  create(@Body({ schema: serviceRequestCreateSchema }) body: z.output<typeof serviceRequestCreateSchema>, @CurrentPrincipal() principal: Principal, @BearerHeader() authorization: string | undefined): Promise<ServiceRequestDetail> {
    if (!authorization) throw new DomainError('AUTH.UNAUTHENTICATED', 'a bearer token is required');
    return this.requests.create(principal, authorization, body);
  }

  @Get('service-requests/:id')
  @ApiOperation({ summary: '申请详情 One request with its history' })
  @ApiJsonResponse(200, 'The request', serviceRequestDetailSchema)
  @ApiErrorResponses({ 404: 'No such request in your area' })
  get(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal) {
    return this.requests.get(principal, id);
  }

  @Post('service-requests/:id/materials')
  @HttpCode(200)
  @Roles(...TAKERS, ...HANDLERS)
  @ApiOperation({ summary: '补充材料 Set the materials collected so far' })
  @ApiJsonResponse(200, 'The request', serviceRequestDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  materials(@Param('id', { schema: idParam }) id: string, @Body({ schema: serviceRequestMaterialsSchema }) body: z.output<typeof serviceRequestMaterialsSchema>, @CurrentPrincipal() p: Principal) {
    return this.requests.materials(p, id, body.materials);
  }

  @Post('service-requests/:id/advance')
  @HttpCode(200)
  @Roles(...HANDLERS)
  @ApiOperation({ summary: '办理下一步 Move the request to its next step (the last completes it)' })
  @ApiJsonResponse(200, 'The request', serviceRequestDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  advance(@Param('id', { schema: idParam }) id: string, @Body({ schema: serviceRequestAdvanceSchema }) body: z.output<typeof serviceRequestAdvanceSchema>, @CurrentPrincipal() p: Principal) {
    return this.requests.advance(p, id, body.note);
  }

  @Post('service-requests/:id/reject')
  @HttpCode(200)
  @Roles(...HANDLERS)
  @ApiOperation({ summary: '不予办理 Reject the request, with the reason' })
  @ApiJsonResponse(200, 'The request', serviceRequestDetailSchema)
  @ApiErrorResponses(STEP_ERRORS)
  reject(@Param('id', { schema: idParam }) id: string, @Body({ schema: serviceRequestRejectSchema }) body: z.output<typeof serviceRequestRejectSchema>, @CurrentPrincipal() p: Principal) {
    return this.requests.reject(p, id, body.reason);
  }
}

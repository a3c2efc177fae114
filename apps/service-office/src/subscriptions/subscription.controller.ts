import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  deliveryDetailSchema,
  deliveryPageSchema,
  deliveryQuerySchema,
  deliveryViewSchema,
  departmentCodeSchema,
  queuedSchema,
  replaySchema,
  secretRotatedSchema,
  secretRotationSchema,
  subscriptionCreatedSchema,
  subscriptionCreateSchema,
  subscriptionListSchema,
  subscriptionUpdateSchema,
  subscriptionViewSchema,
  type DeliveryView,
  type Principal,
  type SubscriptionView,
} from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { SubscriptionService } from './subscription.service';

const idParam = z.uuid('id must be a subscription id (UUID)');
const deliveryParam = z.string().regex(/^\d{1,18}$/, 'deliveryId must be a delivery id (digits)');
const listQuery = z.object({ department: departmentCodeSchema.optional() }).strict();

@ApiTags('subscriptions 事件订阅')
@Controller('api/v1/subscriptions')
@Roles('department', 'admin')
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Get()
  @ApiOperation({ summary: '事件订阅 Webhook subscriptions: your department\'s (administrators: every department\'s, or one\'s with ?department=)' })
  @ApiJsonResponse(200, 'Subscriptions with their delivery counts', subscriptionListSchema)
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>, @CurrentPrincipal() principal: Principal): Promise<{ items: SubscriptionView[] }> {
    return { items: await this.subscriptions.list(principal, q.department) };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: '新建订阅 Subscribe an HTTPS endpoint to the case events of your department\'s remit, filtered by event type, category and area',
    description:
      'Deliveries are CloudEvents 1.0 in structured JSON mode, signed per Standard Webhooks (`webhook-id` = the event id, `webhook-timestamp`, `webhook-signature`), at least once, in order per case, retried with back-off for 26 hours, then dead-lettered. Answer 2xx to acknowledge; 410 Gone disables the subscription. The secret is shown once.',
  })
  @ApiJsonResponse(201, 'The subscription and its secret (shown this once)', subscriptionCreatedSchema)
  @ApiErrorResponses({ 400: 'A field is invalid: an unknown department or category, an area outside the department\'s, a URL that is not https or not allowed, a secret too short' })
  create(@Body({ schema: subscriptionCreateSchema }) body: z.output<typeof subscriptionCreateSchema>, @CurrentPrincipal() principal: Principal): Promise<SubscriptionView & { secret: string }> {
    return this.subscriptions.create(principal, body);
  }

  @Get(':id')
  @ApiOperation({ summary: '订阅详情 One subscription' })
  @ApiJsonResponse(200, 'The subscription', subscriptionViewSchema)
  @ApiErrorResponses({ 404: 'No such subscription of your department' })
  get(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal): Promise<SubscriptionView> {
    return this.subscriptions.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: '修改订阅 Change the URL, description or filters; disable, or re-enable (status: active) a subscription' })
  @ApiJsonResponse(200, 'The subscription now', subscriptionViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid', 404: 'No such subscription of your department' })
  update(
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: subscriptionUpdateSchema }) body: z.output<typeof subscriptionUpdateSchema>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SubscriptionView> {
    return this.subscriptions.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: '删除订阅 Delete a subscription and its delivery log' })
  @ApiErrorResponses({ 404: 'No such subscription of your department' })
  async remove(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.subscriptions.remove(principal, id);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiOperation({ summary: '轮换密钥 Rotate the signing secret: deliveries carry a signature by each secret until the previous one expires (24 h by default)' })
  @ApiJsonResponse(200, 'The new secret (shown this once)', secretRotatedSchema)
  @ApiErrorResponses({ 400: 'A secret too short, or an overlap out of range', 404: 'No such subscription of your department' })
  rotate(
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: secretRotationSchema }) body: z.output<typeof secretRotationSchema>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ secret: string; previousExpiresAt: string | null }> {
    return this.subscriptions.rotateSecret(principal, id, body);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: '推送记录 The delivery log, newest first: status, attempts, last answer and latency; ?status=dead lists the dead letters' })
  @ApiJsonResponse(200, 'One page of deliveries', deliveryPageSchema)
  @ApiErrorResponses({ 404: 'No such subscription of your department' })
  deliveries(
    @Param('id', { schema: idParam }) id: string,
    @Query({ schema: deliveryQuerySchema }) q: z.output<typeof deliveryQuerySchema>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    return this.subscriptions.deliveries(principal, id, q);
  }

  @Get(':id/deliveries/:deliveryId')
  @ApiOperation({ summary: '推送详情 One delivery with every attempt' })
  @ApiJsonResponse(200, 'The delivery and its attempts', deliveryDetailSchema)
  @ApiErrorResponses({ 404: 'No such subscription or delivery' })
  delivery(@Param('id', { schema: idParam }) id: string, @Param('deliveryId', { schema: deliveryParam }) deliveryId: string, @CurrentPrincipal() principal: Principal) {
    return this.subscriptions.delivery(principal, id, deliveryId);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: '重新推送 Send a dead-lettered delivery again' })
  @ApiJsonResponse(202, 'The delivery, waiting again', deliveryViewSchema)
  @ApiErrorResponses({ 400: 'The delivery is not dead-lettered', 404: 'No such subscription or delivery' })
  redeliver(@Param('id', { schema: idParam }) id: string, @Param('deliveryId', { schema: deliveryParam }) deliveryId: string, @CurrentPrincipal() principal: Principal): Promise<DeliveryView> {
    return this.subscriptions.redeliver(principal, id, deliveryId);
  }

  @Post(':id/dead-letters/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: '全部重推 Send every dead-lettered delivery of the subscription again' })
  @ApiJsonResponse(202, 'How many wait again', queuedSchema)
  @ApiErrorResponses({ 404: 'No such subscription of your department' })
  redeliverDead(@Param('id', { schema: idParam }) id: string, @CurrentPrincipal() principal: Principal): Promise<{ queued: number }> {
    return this.subscriptions.redeliverDead(principal, id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: '重放 Deliver again every event since a time (inclusive) or after an event id that the subscription takes (events are kept 30 days)' })
  @ApiJsonResponse(202, 'How many deliveries were queued', queuedSchema)
  @ApiErrorResponses({ 400: 'Neither or both of since and afterEventId, or an event id not in the kept log', 404: 'No such subscription of your department' })
  replay(@Param('id', { schema: idParam }) id: string, @Body({ schema: replaySchema }) body: z.output<typeof replaySchema>, @CurrentPrincipal() principal: Principal): Promise<{ queued: number }> {
    return this.subscriptions.replay(principal, id, body);
  }
}

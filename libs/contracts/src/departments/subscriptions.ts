import { z } from 'zod';
import { categoryCodeSchema, orgUnitCodeSchema } from '../cases/case-values';
import { Events } from '../messaging/event-catalogue';
import { departmentCodeSchema } from './departments';

/**
 * A department's subscription to the case events of its remit, delivered to its HTTP endpoint as
 * CloudEvents 1.0 (structured JSON) signed per Standard Webhooks (ADR 0014).
 */

/** The event types a subscription may name: every case event of the tier. */
export const CASE_EVENT_TYPES: readonly string[] = Object.values(Events)
  .map((e): string => e.type)
  .filter((t) => t.startsWith('gm.case.'))
  .sort();

/** Work orders' event types (吹哨报到): a department hears those of the work orders addressed to it. */
export const WORK_ORDER_EVENT_TYPES: readonly string[] = Object.values(Events)
  .map((e): string => e.type)
  .filter((t) => t.startsWith('gm.workorder.'))
  .sort();

/** The outcomes of a department's own commands to other tiers (ADR 0015). */
export const DEPARTMENT_EVENT_TYPES: readonly string[] = Object.values(Events)
  .map((e): string => e.type)
  .filter((t) => t.startsWith('gm.department.'))
  .sort();

/** What a subscription may name: case events, work-order events and the outcomes of the department's commands. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = [...CASE_EVENT_TYPES, ...WORK_ORDER_EVENT_TYPES, ...DEPARTMENT_EVENT_TYPES];

export const caseEventTypeSchema = z
  .string()
  .refine((t) => SUBSCRIBABLE_EVENT_TYPES.includes(t), { message: `not a case, work-order or department event type; one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` });

/** Standard Webhooks' secret format: `whsec_` and the base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;
export const webhookSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'a secret is "whsec_" followed by base64 (Standard Webhooks), e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
  .refine(
    (s) => {
      const bytes = Buffer.from(s.slice('whsec_'.length), 'base64').length;
      return bytes >= WEBHOOK_SECRET_MIN_BYTES && bytes <= WEBHOOK_SECRET_MAX_BYTES;
    },
    { message: `the secret is too short or too long: ${WEBHOOK_SECRET_MIN_BYTES}–${WEBHOOK_SECRET_MAX_BYTES} random bytes, base64-encoded after "whsec_"` },
  );

export const subscriptionFiltersSchema = z
  .object({
    eventTypes: z.array(caseEventTypeSchema).max(SUBSCRIBABLE_EVENT_TYPES.length).default([]).describe('Event types to deliver (case and work-order events); empty: all'),
    categories: z.array(categoryCodeSchema).max(500).default([]).describe("Category codes (of the department's own); empty: all of the department's categories"),
    areas: z.array(orgUnitCodeSchema).max(200).default([]).describe("Org units (within the department's areas); empty: all of the department's areas"),
  })
  .strict();
export type SubscriptionFilters = z.output<typeof subscriptionFiltersSchema>;

const webhookUrlSchema = z.url({ message: 'url must be an absolute https URL, e.g. https://hooks.example.gov.cn/gm' }).max(2000);

/** `POST /api/v1/subscriptions`. */
export const subscriptionCreateSchema = z
  .object({
    department: departmentCodeSchema.optional().describe("The subscribing department; a department user's own by default (administrators name one)"),
    url: webhookUrlSchema.describe('Where deliveries are POSTed: https, a public address (private and loopback addresses only where the tier allows them)'),
    description: z.string().trim().max(200).default(''),
    secret: webhookSecretSchema.optional().describe('The signing secret; generated when absent and shown once in the answer'),
    filters: subscriptionFiltersSchema.default({ eventTypes: [], categories: [], areas: [] }),
  })
  .strict();
export type SubscriptionCreateBody = z.input<typeof subscriptionCreateSchema>;

/** `PATCH /api/v1/subscriptions/{id}`: what may change; `status: active` re-enables a disabled subscription. */
export const subscriptionUpdateSchema = z
  .object({
    url: webhookUrlSchema.optional(),
    description: z.string().trim().max(200).optional(),
    filters: subscriptionFiltersSchema.optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one of url, description, filters, status' });

/** `POST /api/v1/subscriptions/{id}/secret`: a new secret; the previous one stays valid for `overlapMinutes`. */
export const secretRotationSchema = z
  .object({
    secret: webhookSecretSchema.optional(),
    overlapMinutes: z.number().int().min(0).max(7 * 24 * 60).default(24 * 60).describe('How long the previous secret keeps signing beside the new one (default 24 h)'),
  })
  .strict();

/** `POST /api/v1/subscriptions/{id}/replay`: deliver again the events since a time (inclusive) or after an event id. */
export const replaySchema = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    afterEventId: z.uuid().optional(),
  })
  .strict()
  .refine((b) => (b.since === undefined) !== (b.afterEventId === undefined), { message: 'give exactly one of since (a time) or afterEventId (an event id)', path: ['since'] });

export const SUBSCRIPTION_STATUSES = ['active', 'disabled'] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export const deliveryStatusSchema = z.enum(DELIVERY_STATUSES);

const iso = z.iso.datetime({ offset: true });

export const subscriptionViewSchema = z
  .object({
    id: z.uuid(),
    department: departmentCodeSchema,
    url: z.string(),
    description: z.string(),
    filters: subscriptionFiltersSchema,
    status: z.enum(SUBSCRIPTION_STATUSES),
    disabledReason: z.string().nullable().describe('Why it stopped: "gone" (the endpoint answered 410) or "by <user>"'),
    secrets: z.array(z.object({ hint: z.string().describe('The last 4 characters'), createdAt: iso, expiresAt: iso.nullable() })).describe('Secrets that sign deliveries now'),
    counts: z.object({ pending: z.number().int(), delivered: z.number().int(), dead: z.number().int() }),
    createdBy: z.string(),
    createdAt: iso,
    updatedAt: iso,
  })
  .strict()
  .meta({ id: 'Subscription' });
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;

export const subscriptionCreatedSchema = subscriptionViewSchema.extend({ secret: z.string().describe('The signing secret, shown this once') }).meta({ id: 'SubscriptionCreated' });
export const secretRotatedSchema = z
  .object({ secret: z.string().describe('The new signing secret, shown this once'), previousExpiresAt: iso.nullable() })
  .strict()
  .meta({ id: 'SecretRotated' });
export const subscriptionListSchema = z.object({ items: z.array(subscriptionViewSchema) }).strict().meta({ id: 'SubscriptionList' });

export const deliveryViewSchema = z
  .object({
    id: z.string().describe('The delivery (one event to one subscription; a replay or re-delivery makes another)'),
    eventId: z.uuid().describe('Also the webhook-id header: receivers de-duplicate by it'),
    eventType: z.string(),
    caseNo: z.string().nullable(),
    status: deliveryStatusSchema,
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    lastLatencyMs: z.number().int().nullable(),
    nextAttemptAt: iso.nullable(),
    createdAt: iso,
    deliveredAt: iso.nullable(),
    replay: z.boolean(),
  })
  .strict()
  .meta({ id: 'Delivery' });
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

export const deliveryAttemptSchema = z.object({ at: iso, statusCode: z.number().int().nullable(), latencyMs: z.number().int(), error: z.string().nullable() }).strict();
export const deliveryDetailSchema = deliveryViewSchema.extend({ log: z.array(deliveryAttemptSchema) }).meta({ id: 'DeliveryDetail' });
export const deliveryPageSchema = z.object({ items: z.array(deliveryViewSchema), nextCursor: z.string().nullable() }).strict().meta({ id: 'DeliveryPage' });
export const deliveryQuerySchema = z
  .object({
    status: deliveryStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().regex(/^\d+$/, 'cursor is the nextCursor of the previous page').optional(),
  })
  .strict();
export const queuedSchema = z.object({ queued: z.number().int() }).strict().meta({ id: 'Queued' });

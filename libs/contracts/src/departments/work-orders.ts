import { z } from 'zod';
import { attachmentKeySchema } from '../cases/report-case';
import { categoryCodeSchema, geoPointSchema, orgUnitCodeSchema } from '../cases/case-values';
import { defineEvent, type EventDefinition } from '../messaging/define-event';
import { departmentCodeSchema } from './departments';

/**
 * Work orders (吹哨报到): a community or street "whistles" a department about a case or a problem;
 * the department answers (响应), reports on site (报到), and resolves with evidence or explains why
 * not. Every step is a receipt; overdue work orders are urged (督办).
 */
export const WORK_ORDER_STATUSES = ['whistled', 'acknowledged', 'arrived', 'resolved', 'declined', 'withdrawn'] as const;
export const workOrderStatusSchema = z.enum(WORK_ORDER_STATUSES);
export type WorkOrderStatus = z.infer<typeof workOrderStatusSchema>;
export const WORK_ORDER_FINAL: readonly WorkOrderStatus[] = ['resolved', 'declined', 'withdrawn'];

/** What each step is called in receipts and events. */
export const WORK_ORDER_ACTIONS = ['whistle', 'acknowledge', 'arrive', 'resolve', 'decline', 'urge', 'withdraw'] as const;
export const workOrderActionSchema = z.enum(WORK_ORDER_ACTIONS);
export type WorkOrderAction = z.infer<typeof workOrderActionSchema>;

const iso = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with its offset, e.g. 2026-12-06T18:00:00+08:00' });
const text = (max: number, what: string) => z.string().trim().min(1, `${what} is required`).max(max, `${what}: at most ${max} characters`);

export const workOrderPlaceSchema = z
  .object({
    address: text(200, 'place.address'),
    location: geoPointSchema.strict().optional().describe('Where the department should report; its check-in is measured against it'),
  })
  .strict();

/** `POST /api/v1/work-orders`: whistle one or more departments (one work order each). */
export const workOrderCreateSchema = z
  .object({
    departments: z.array(departmentCodeSchema).min(1, 'name at least one department').max(10, 'at most 10 departments at once'),
    caseNo: z.string().trim().min(1).max(40).optional().describe('The case this is about (a case this tier knows); its grid and category come with it'),
    gridCode: orgUnitCodeSchema.optional().describe('Where it is (a unit of your area); the case\'s grid by default, else your own unit'),
    title: text(100, 'title'),
    needed: text(1000, 'needed').describe('What the department is asked to do (需求)'),
    place: workOrderPlaceSchema,
    arriveBy: iso.describe('By when the department must report on site (报到时限)'),
    deadline: iso.describe('By when it must be resolved (办结时限); after arriveBy'),
    respondWithinMinutes: z.number().int().min(5).max(7 * 24 * 60).optional().describe('How soon the department must answer (响应时限); the tier\'s setting by default'),
  })
  .strict();
export type WorkOrderCreateBody = z.input<typeof workOrderCreateSchema>;

export const workOrderAcknowledgeSchema = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const workOrderArriveSchema = z
  .object({ location: geoPointSchema.strict().describe('Where the reporter checked in (the handheld\'s position)'), note: z.string().trim().max(500).optional() })
  .strict();
export const workOrderResolveSchema = z
  .object({
    note: text(1000, 'note').describe('What was done'),
    evidence: z.array(attachmentKeySchema).min(1, 'evidence: at least one photo of the result').max(20, 'at most 20 attachments'),
  })
  .strict();
export const workOrderDeclineSchema = z.object({ reason: text(1000, 'reason').describe('Why the department cannot resolve it') }).strict();
export const workOrderUrgeSchema = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const workOrderWithdrawSchema = z.object({ reason: text(500, 'reason') }).strict();

export const workOrderQuerySchema = z
  .object({
    status: workOrderStatusSchema.optional(),
    department: departmentCodeSchema.optional(),
    caseNo: z.string().trim().min(1).max(40).optional(),
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('Only those past a time limit they have not met'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** A receipt: one step of a work order, who took it and when. */
export const workOrderReceiptSchema = z
  .object({
    action: workOrderActionSchema,
    at: iso,
    actor: z.object({ subject: z.string(), role: z.string(), name: z.string().nullable() }).strict(),
    note: z.string().nullable(),
    evidence: z.array(z.string()),
    location: geoPointSchema.nullable(),
    /** For a check-in: how far from the place it was made, in metres (null when the place has no position). */
    distanceM: z.number().nullable(),
  })
  .strict();
export type WorkOrderReceipt = z.infer<typeof workOrderReceiptSchema>;

export const workOrderViewSchema = z
  .object({
    id: z.uuid(),
    no: z.string(),
    department: departmentCodeSchema,
    status: workOrderStatusSchema,
    caseNo: z.string().nullable(),
    categoryCode: z.string().nullable(),
    gridCode: z.string(),
    orgUnit: z.string().describe('The whistling unit'),
    title: z.string(),
    needed: z.string(),
    place: z.object({ address: z.string(), location: geoPointSchema.nullable() }).strict(),
    whistledBy: z.string(),
    whistledAt: iso,
    respondBy: iso,
    arriveBy: iso,
    deadline: iso,
    acknowledgedAt: iso.nullable(),
    arrivedAt: iso.nullable(),
    closedAt: iso.nullable(),
    urgeCount: z.number().int(),
    /** The time limits passed and not met now: respond, arrive, resolve. */
    overdue: z.array(z.enum(['respond', 'arrive', 'resolve'])),
  })
  .strict();
export type WorkOrderView = z.infer<typeof workOrderViewSchema>;

export const workOrderDetailSchema = workOrderViewSchema.extend({ receipts: z.array(workOrderReceiptSchema) }).strict();
export type WorkOrderDetail = z.infer<typeof workOrderDetailSchema>;

export const workOrderPageSchema = z.object({ items: z.array(workOrderViewSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).strict();
export const workOrderCreatedSchema = z.object({ items: z.array(workOrderViewSchema) }).strict();

/** `GET /api/v1/work-orders/kpis`: per department over the work orders whistled in a period. */
export const workOrderKpiQuerySchema = z
  .object({
    from: iso.optional().describe('Whistled at or after (default: 30 days ago)'),
    to: iso.optional().describe('Whistled before (default: now)'),
  })
  .strict();
const rate = z.number().min(0).max(1).nullable().describe('null when nothing was due');
export const workOrderKpiSchema = z
  .object({
    department: departmentCodeSchema,
    total: z.number().int(),
    open: z.number().int(),
    /** 响应率: answered within the response limit, of those whose limit has passed or that were answered. */
    responseRate: rate,
    /** 按时到场率: checked in on site by arriveBy, of those whose arriveBy has passed or that arrived. */
    onTimeArrivalRate: rate,
    /** 办结率: resolved, of those whose deadline has passed or that are closed (withdrawn ones do not count). */
    resolutionRate: rate,
    respondedOnTime: z.number().int(),
    respondDue: z.number().int(),
    arrivedOnTime: z.number().int(),
    arriveDue: z.number().int(),
    resolved: z.number().int(),
    resolveDue: z.number().int(),
    urged: z.number().int(),
  })
  .strict();
export type WorkOrderKpi = z.infer<typeof workOrderKpiSchema>;
export const workOrderKpiListSchema = z.object({ from: iso, to: iso, items: z.array(workOrderKpiSchema) }).strict();

/**
 * `gm.workorder.<action>.v1`: a step of a work order, published into the department's feed and to
 * its webhook subscriptions. Carries no personal data: notes stay in service-office.
 */
const workOrderEventData = z.object({
  workOrderId: z.uuid(),
  no: z.string(),
  department: departmentCodeSchema,
  action: workOrderActionSchema,
  status: workOrderStatusSchema,
  caseNo: z.string().optional(),
  categoryCode: categoryCodeSchema.optional(),
  gridCode: orgUnitCodeSchema,
  orgUnit: orgUnitCodeSchema,
  at: iso,
  actor: z.object({ subject: z.string().min(1), role: z.string().min(1) }),
  respondBy: iso,
  arriveBy: iso,
  deadline: iso,
  /** For an urge made by the deadline scheduler: which time limit was missed. */
  overdue: z.enum(['respond', 'arrive', 'resolve']).optional(),
});
export type WorkOrderEventData = z.infer<typeof workOrderEventData>;

const woEvent = <const T extends string>(type: T, description: string) => defineEvent({ type, aggregate: 'work-order', description, schema: workOrderEventData });
export const workOrderWhistledV1 = woEvent('gm.workorder.whistled.v1', 'A unit whistled a department (吹哨): a new work order');
export const workOrderAcknowledgedV1 = woEvent('gm.workorder.acknowledged.v1', 'The department answered the work order (响应)');
export const workOrderArrivedV1 = woEvent('gm.workorder.arrived.v1', 'The department checked in on site (报到)');
export const workOrderResolvedV1 = woEvent('gm.workorder.resolved.v1', 'The department resolved the work order, with evidence (办结)');
export const workOrderDeclinedV1 = woEvent('gm.workorder.declined.v1', 'The department explained why it cannot resolve the work order');
export const workOrderUrgedV1 = woEvent('gm.workorder.urged.v1', 'The work order was urged (督办), by hand or because a time limit passed');
export const workOrderWithdrawnV1 = woEvent('gm.workorder.withdrawn.v1', 'The whistling unit withdrew the work order');

export const WORK_ORDER_EVENT_OF: Record<WorkOrderAction, EventDefinition<typeof workOrderEventData>> = {
  whistle: workOrderWhistledV1,
  acknowledge: workOrderAcknowledgedV1,
  arrive: workOrderArrivedV1,
  resolve: workOrderResolvedV1,
  decline: workOrderDeclinedV1,
  urge: workOrderUrgedV1,
  withdraw: workOrderWithdrawnV1,
};

import { z } from 'zod';

/**
 * Resident services (代办服务): what a community handles on a resident's behalf, each with the
 * materials to collect, the steps it goes through and its time limit. The catalogue ships with the
 * code (the usual 代办 items of the source documents); requests are taken by grid workers and
 * community staff for a resident of their area and tracked to completion.
 */
export interface Labelled {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}

export interface ResidentServiceDefinition {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
  readonly materials: readonly (Labelled & { readonly required: boolean })[];
  /** In order; the first is 受理 (taken), the last 办结 (done): reaching it completes the request. */
  readonly steps: readonly Labelled[];
  readonly timeLimitDays: number;
}

const m = (code: string, zh: string, en: string, required = true) => ({ code, zh, en, required });
const s = (code: string, zh: string, en: string) => ({ code, zh, en });
const TAKEN = s('taken', '受理', 'Taken');
const DONE = s('done', '办结', 'Done');
const ID = m('id-card', '居民身份证', 'Resident ID card');
const HUKOU = m('household-register', '户口簿', 'Household register (hukou)');

export const RESIDENT_SERVICES: readonly ResidentServiceDefinition[] = [
  {
    code: 'disability-card',
    zh: '残疾人证办理',
    en: 'Disability card',
    materials: [ID, HUKOU, m('photos', '近期免冠照片 3 张', 'Three recent photos'), m('assessment', '残疾评定表', 'Disability assessment form'), m('diagnosis', '医院诊断证明', 'Hospital diagnosis', false)],
    steps: [TAKEN, s('review', '材料审核', 'Materials checked'), s('submitted', '报送区残联', 'Sent to the district disabled persons’ federation'), s('issued', '证件发放', 'Card handed over'), DONE],
    timeLimitDays: 30,
  },
  {
    code: 'minimum-living-allowance',
    zh: '最低生活保障 (低保) 申请',
    en: 'Minimum living allowance',
    materials: [m('application', '申请书', 'Application letter'), ID, HUKOU, m('income', '家庭收入证明', 'Household income statement'), m('assets', '家庭财产状况声明', 'Declaration of household assets')],
    steps: [TAKEN, s('home-visit', '入户调查', 'Home visit'), s('public-notice', '民主评议与公示', 'Review and public notice'), s('street-review', '街道审核', 'Street review'), s('district-approval', '区民政审批', 'District civil affairs approval'), DONE],
    timeLimitDays: 45,
  },
  {
    code: 'employment-difficulty',
    zh: '就业困难人员认定',
    en: 'Employment-difficulty certificate',
    materials: [ID, HUKOU, m('unemployment-registration', '失业登记证明', 'Unemployment registration'), m('supporting', '困难情形证明材料', 'Proof of the hardship')],
    steps: [TAKEN, s('review', '资格审核', 'Eligibility checked'), s('public-notice', '公示', 'Public notice'), s('certified', '认定', 'Certified'), DONE],
    timeLimitDays: 20,
  },
  {
    code: 'birth-registration',
    zh: '新生儿出生登记',
    en: 'Birth registration',
    materials: [m('birth-certificate', '出生医学证明', 'Medical birth certificate'), m('parents-id', '父母身份证', "Parents' ID cards"), HUKOU, m('marriage-certificate', '结婚证', 'Marriage certificate', false)],
    steps: [TAKEN, s('review', '材料审核', 'Materials checked'), s('police-station', '送派出所办理', 'Sent to the police station'), DONE],
    timeLimitDays: 10,
  },
  {
    code: 'elderly-subsidy',
    zh: '高龄津贴申领',
    en: 'Elderly subsidy',
    materials: [ID, HUKOU, m('bank-card', '本人银行卡', "The applicant's bank card")],
    steps: [TAKEN, s('review', '资格审核', 'Eligibility checked'), s('public-notice', '公示', 'Public notice'), s('paying', '发放', 'Payments set up'), DONE],
    timeLimitDays: 30,
  },
];

export function residentService(code: string): ResidentServiceDefinition | undefined {
  return RESIDENT_SERVICES.find((d) => d.code === code);
}

const labelled = z.object({ code: z.string(), zh: z.string(), en: z.string() }).strict();
export const residentServiceViewSchema = z
  .object({
    code: z.string(),
    zh: z.string(),
    en: z.string(),
    materials: z.array(labelled.extend({ required: z.boolean() }).strict()),
    steps: z.array(labelled),
    timeLimitDays: z.number().int(),
  })
  .strict();
export const residentServiceListSchema = z.object({ items: z.array(residentServiceViewSchema) }).strict();

export const SERVICE_REQUEST_STATUSES = ['open', 'completed', 'rejected'] as const;
export const serviceRequestStatusSchema = z.enum(SERVICE_REQUEST_STATUSES);

const serviceCodeSchema = z.string().refine((c) => residentService(c) !== undefined, { message: `not a resident service; one of ${RESIDENT_SERVICES.map((d) => d.code).join(', ')}` });
const materialCodes = z.array(z.string().min(1).max(40)).max(20);

/** `POST /api/v1/service-requests`: take a request for a resident of your area. */
export const serviceRequestCreateSchema = z
  .object({
    serviceCode: serviceCodeSchema,
    residentId: z.uuid('residentId must be a resident id (UUID) from base data'),
    materials: materialCodes.default([]).describe('The materials already collected (codes of the service\'s checklist)'),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export const serviceRequestMaterialsSchema = z.object({ materials: materialCodes.describe('The materials collected so far (replaces the list)') }).strict();
export const serviceRequestAdvanceSchema = z.object({ note: z.string().trim().max(500).optional() }).strict();
export const serviceRequestRejectSchema = z.object({ reason: z.string().trim().min(1, 'reason is required').max(500) }).strict();

export const serviceRequestQuerySchema = z
  .object({
    status: serviceRequestStatusSchema.optional(),
    serviceCode: z.string().max(40).optional(),
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

const iso = z.iso.datetime({ offset: true });
export const serviceRequestViewSchema = z
  .object({
    id: z.uuid(),
    no: z.string(),
    serviceCode: z.string(),
    residentId: z.uuid(),
    gridCode: z.string(),
    status: serviceRequestStatusSchema,
    step: z.string().describe('The current step (code)'),
    stepIndex: z.number().int(),
    materials: z.array(z.string()),
    missingMaterials: z.array(z.string()).describe('Required materials not collected yet'),
    takenBy: z.string(),
    takenAt: iso,
    deadline: iso,
    closedAt: iso.nullable(),
    overdue: z.boolean(),
  })
  .strict();
export type ServiceRequestView = z.infer<typeof serviceRequestViewSchema>;
export const serviceRequestDetailSchema = serviceRequestViewSchema
  .extend({
    history: z.array(
      z
        .object({ action: z.enum(['take', 'materials', 'advance', 'reject']), step: z.string(), at: iso, actor: z.string(), role: z.string(), note: z.string().nullable() })
        .strict(),
    ),
  })
  .strict();
export type ServiceRequestDetail = z.infer<typeof serviceRequestDetailSchema>;
export const serviceRequestPageSchema = z.object({ items: z.array(serviceRequestViewSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).strict();

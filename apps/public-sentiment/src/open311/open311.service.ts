import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, Rpc, toFieldErrors, type CaseState, type FieldError } from '@gm/contracts';
import { checkAttributes, isWithinScope, open311Reporter, type Category } from '@gm/domain';
import { RpcClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { Open311ReadModel } from './open311-read-model';
import { CaseService } from '../cases/case.service';
import { CaseRulesProvider } from '../rules/case-rules.provider';
import { Open311ApiKeys } from './open311-api-keys';
import {
  OPEN311_CHANGESET,
  OPEN311_PAGE_SIZE,
  OPEN311_SPECIFICATION,
  OPEN311_WINDOW_DAYS,
  PUBLIC_ACTIONS,
  attributesOf,
  checkJurisdiction,
  formField,
  requestOf,
  serviceDefinitionOf,
  serviceNotice,
  serviceOf,
  statesOf,
  updateOf,
  type Open311Created,
  type Open311Discovery,
  type Open311Form,
  type Open311Request,
  type Open311Service as Open311ServiceDoc,
  type Open311ServiceDefinition,
  type Open311Token,
  type Open311Update,
} from './open311-mapping';

const DAY_MS = 24 * 3_600_000;
const MAX_DESCRIPTION = 4000;
const MAX_ADDRESS = 500;
const MAX_MEDIA_URL = 2000;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const CASE_NO = /^[0-9A-Za-z-]{1,64}$/;
const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Idempotency-Key 须为 8–64 位字母、数字、"-" 或 "_" must be 8–64 letters, digits, "-" or "_"');

const dateParam = (name: string) =>
  z.iso.datetime({ offset: true, message: `${name} 须为带时区的 ISO 8601 时间 must be an ISO 8601 date-time with offset` }).transform((v) => new Date(v));
const list = (max: number, name: string) =>
  z
    .string()
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
    .pipe(z.array(z.string().max(64)).min(1, `${name} 不能为空 must not be empty`).max(max, `${name} 最多 ${max} 个 at most ${max} values`));
const paging = {
  page: z.coerce.number({ message: 'page 须为正整数 must be a whole number from 1' }).int('page 须为正整数 must be a whole number from 1').min(1, 'page 须为正整数 must be a whole number from 1').max(100_000).default(1),
  page_size: z.coerce
    .number({ message: `page_size 须为 1–${OPEN311_PAGE_SIZE.max} must be 1–${OPEN311_PAGE_SIZE.max}` })
    .int(`page_size 须为 1–${OPEN311_PAGE_SIZE.max} must be 1–${OPEN311_PAGE_SIZE.max}`)
    .min(1, `page_size 须为 1–${OPEN311_PAGE_SIZE.max} must be 1–${OPEN311_PAGE_SIZE.max}`)
    .max(OPEN311_PAGE_SIZE.max, `page_size 须为 1–${OPEN311_PAGE_SIZE.max} must be 1–${OPEN311_PAGE_SIZE.max}`)
    .default(OPEN311_PAGE_SIZE.default),
};
// Unknown parameters are ignored: clients send extensions of their own (and api_key on reads).
const jurisdictionQuery = z.object({ jurisdiction_id: z.string().optional() });
const windowQuery = z.object({ start_date: dateParam('start_date').optional(), end_date: dateParam('end_date').optional() });
const requestsQuery = jurisdictionQuery.extend({
  ...windowQuery.shape,
  ...paging,
  service_request_id: list(OPEN311_PAGE_SIZE.max, 'service_request_id').optional(),
  service_code: list(100, 'service_code').optional(),
  status: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(['open', 'closed'], 'status 须为 open 或 closed must be open or closed')).min(1, 'status 须为 open 或 closed must be open or closed'))
    .optional(),
});
const updatesQuery = jurisdictionQuery.extend({ ...windowQuery.shape, ...paging });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw DomainError.validation(toFieldErrors(result.error.issues));
  return result.data;
}

/**
 * Open311 GeoReport v2 over this tier's cases: the category catalogue as services, reports from
 * civic-reporting clients through the same intake as every other channel, and the public view
 * of cases and of their steps.
 */
@Injectable()
export class Open311Service {
  private readonly keys: Open311ApiKeys;

  constructor(
    private readonly cases: CaseService,
    private readonly repository: Open311ReadModel,
    private readonly rules: CaseRulesProvider,
    private readonly rpc: RpcClient,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {
    this.keys = new Open311ApiKeys(config.own.OPEN311_API_KEYS);
  }

  discovery(baseUrl: string): Open311Discovery {
    return {
      changeset: OPEN311_CHANGESET,
      contact: `本级平台（${this.config.tier}）运维人员 The operators of this platform tier (${this.config.tier})`,
      key_service: '提交请求需 api_key，请向本级平台管理员申请 Creating requests needs an api_key: ask the administrators of this tier',
      endpoints: [{ specification: OPEN311_SPECIFICATION, url: baseUrl, changeset: OPEN311_CHANGESET, type: 'production', formats: ['text/xml', 'application/json'] }],
    };
  }

  services(query: unknown): Open311ServiceDoc[] {
    checkJurisdiction(parse(jurisdictionQuery, query).jurisdiction_id, this.config.tier);
    const catalogue = this.rules.catalogue;
    return catalogue.list().map((c) => serviceOf(c, catalogue));
  }

  serviceDefinition(code: string, query: unknown): Open311ServiceDefinition {
    checkJurisdiction(parse(jurisdictionQuery, query).jurisdiction_id, this.config.tier);
    const category = this.rules.catalogue.find(code);
    // GeoReport v2: a service code that does not exist is 404 (a bad code in a new request stays a 400 naming the field).
    if (!category) throw new DomainError('SERVICE_CODE.NOT_FOUND', `没有该服务类型 no service ${code}: service_code`, [{ field: 'service_code', message: `没有该服务类型 no service ${code}` }]);
    return serviceDefinitionOf(category);
  }

  /**
   * Creates a service request: a case reported through the `open311` channel by the key's client.
   * The personal fields of the spec (email, names, phone, device and account ids) are not read:
   * the client tells its users the outcome from the update feed, so this platform keeps none of them.
   */
  async create(form: Open311Form, idempotencyKey: string | undefined): Promise<Open311Created[]> {
    const client = this.keys.clientOf(formField(form, 'api_key'));
    if (!client) throw new DomainError('AUTH.FORBIDDEN', 'api_key 缺失或无效 missing or invalid api_key');
    checkJurisdiction(formField(form, 'jurisdiction_id'), this.config.tier);
    const category = this.categoryOf(formField(form, 'service_code'));
    const input = this.readForm(form, category);
    const key = idempotencyKey === undefined ? randomUUID() : parse(idempotencyKeySchema, idempotencyKey);

    const [grid] = (await this.rpc.request(Rpc.locate, { points: [{ latitude: input.latitude, longitude: input.longitude }] })).grids;
    if (!grid || !isWithinScope(this.config.tier, grid)) {
      throw DomainError.validation([{ field: 'lat', message: '该位置不在本辖区任何网格内 the point lies in no grid of this jurisdiction' }]);
    }
    const outcome = await this.cases.report(
      open311Reporter(client, this.config.tier),
      {
        categoryCode: category.code,
        description: input.description ?? `${category.nameZh} ${category.nameEn}`,
        location: { latitude: input.latitude, longitude: input.longitude },
        ...(input.address && { address: input.address }),
        gridCode: grid,
      },
      'open311',
      key,
      { attributes: input.attributes, mediaUrl: input.mediaUrl },
    );
    this.logger.event('info', 'open311.request_created', { client, caseNo: outcome.caseNo, replayed: outcome.replayed }, 'Open311Service');
    return [{ service_request_id: outcome.caseNo, token: outcome.caseId, service_notice: serviceNotice(outcome.urgency === 'emergency' ? 'emergency' : 'coordination'), account_id: null }];
  }

  async token(token: string, query: unknown): Promise<Open311Token[]> {
    checkJurisdiction(parse(jurisdictionQuery, query).jurisdiction_id, this.config.tier);
    const caseNo = z.uuid().safeParse(token).success ? await this.repository.publicCaseNoById(this.config.tier, token) : null;
    if (!caseNo) throw new DomainError('CASE.NOT_FOUND', '未找到该 token no such token');
    return [{ service_request_id: caseNo, token }];
  }

  async requests(query: unknown): Promise<Open311Request[]> {
    const q = parse(requestsQuery, query);
    checkJurisdiction(q.jurisdiction_id, this.config.tier);
    // service_request_id overrides every other filter (the spec), paging included.
    if (q.service_request_id) return this.page({ caseNos: q.service_request_id }, 0, OPEN311_PAGE_SIZE.max);
    const window = windowOf(q.start_date, q.end_date);
    return this.page(
      {
        from: window.from,
        to: window.to,
        ...(q.service_code && { categories: q.service_code.map((c) => this.categoryOf(c).code) }),
        ...(q.status && { states: statesOf(q.status) }),
      },
      (q.page - 1) * q.page_size,
      q.page_size,
    );
  }

  async request(id: string, query: unknown): Promise<Open311Request[]> {
    checkJurisdiction(parse(jurisdictionQuery, query).jurisdiction_id, this.config.tier);
    const found = CASE_NO.test(id) ? await this.page({ caseNos: [id] }, 0, 1) : [];
    if (found.length === 0) throw new DomainError('CASE.NOT_FOUND', '未找到该服务请求 no such service request');
    return found;
  }

  /** mySociety's update feed: the public steps of this tier's requests in a window, oldest first. */
  async updates(query: unknown): Promise<Open311Update[]> {
    const q = parse(updatesQuery, query);
    checkJurisdiction(q.jurisdiction_id, this.config.tier);
    const window = windowOf(q.start_date, q.end_date);
    const rows = await this.repository.publicUpdates(this.config.tier, PUBLIC_ACTIONS, window.from, window.to, (q.page - 1) * q.page_size, q.page_size);
    const catalogue = this.rules.catalogue;
    return rows.map((r) => updateOf(r, catalogue.find(r.categoryCode), catalogue));
  }

  private async page(filter: { caseNos?: string[]; categories?: string[]; states?: CaseState[]; from?: Date; to?: Date }, offset: number, limit: number): Promise<Open311Request[]> {
    const rows = await this.repository.publicPage({ tier: this.config.tier, ...filter }, PUBLIC_ACTIONS, offset, limit);
    const catalogue = this.rules.catalogue;
    return rows.map((r) => requestOf(r, catalogue.find(r.categoryCode), catalogue));
  }

  private categoryOf(code: string | undefined): Category {
    if (!code?.trim()) throw DomainError.validation([{ field: 'service_code', message: '必填 required' }]);
    const category = this.rules.catalogue.find(code.trim());
    if (!category) throw new DomainError('CASE.UNKNOWN_CATEGORY', '未知的服务类型 unknown service_code', [{ field: 'service_code', message: '未知的服务类型 unknown service_code' }]);
    return category;
  }

  /** The fields of a POST other than the key, the jurisdiction and the service; every problem named at once. */
  private readForm(form: Open311Form, category: Category) {
    const errors: FieldError[] = [];
    const coordinate = (name: 'lat' | 'long', limit: number): number => {
      const raw = formField(form, name)?.trim();
      if (!raw) {
        errors.push({ field: name, message: '必填：本辖区按坐标确定网格 required: this jurisdiction finds the grid from lat/long' });
        return Number.NaN;
      }
      const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
      if (!(Math.abs(n) <= limit)) errors.push({ field: name, message: `须为 -${limit} 至 ${limit} 之间的数 must be a number from -${limit} to ${limit}` });
      return n;
    };
    const latitude = coordinate('lat', 90);
    const longitude = coordinate('long', 180);
    const description = formField(form, 'description')?.trim() || undefined;
    if (description && description.length > MAX_DESCRIPTION) errors.push({ field: 'description', message: `最长 ${MAX_DESCRIPTION} 字 at most ${MAX_DESCRIPTION} characters` });
    const address = formField(form, 'address_string')?.trim() || undefined;
    if (address && address.length > MAX_ADDRESS) errors.push({ field: 'address_string', message: `最长 ${MAX_ADDRESS} 字 at most ${MAX_ADDRESS} characters` });
    const mediaUrl = formField(form, 'media_url')?.trim() || undefined;
    if (mediaUrl && !isHttpUrl(mediaUrl)) errors.push({ field: 'media_url', message: `须为 http(s) 链接，最长 ${MAX_MEDIA_URL} 字 must be an http(s) URL of at most ${MAX_MEDIA_URL} characters` });
    const attributes = attributesOf(form);
    try {
      checkAttributes(category, attributes);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      errors.push(...err.fieldErrors);
    }
    if (errors.length > 0) throw DomainError.validation(errors);
    return { latitude, longitude, description, address, mediaUrl, attributes };
  }
}

function isHttpUrl(s: string): boolean {
  if (s.length > MAX_MEDIA_URL) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The spec's date window: 90 days by default, ending now (or `start + 90 days`, or ending at `end`); never longer. */
export function windowOf(start: Date | undefined, end: Date | undefined, now = new Date()): { from: Date; to: Date } {
  const span = OPEN311_WINDOW_DAYS * DAY_MS;
  const from = start ?? new Date((end ?? now).getTime() - span);
  const to = end ?? (start ? new Date(start.getTime() + span) : now);
  if (to < from) throw DomainError.validation([{ field: 'end_date', message: 'end_date 须晚于 start_date must be after start_date' }]);
  if (to.getTime() - from.getTime() > span) {
    throw DomainError.validation([{ field: 'end_date', message: `时间范围不能超过 ${OPEN311_WINDOW_DAYS} 天 the range may not span more than ${OPEN311_WINDOW_DAYS} days` }]);
  }
  return { from, to };
}

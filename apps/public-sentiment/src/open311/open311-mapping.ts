import { CASE_STATES, DomainError, ERROR_MESSAGES, type CaseAction, type CaseState, type FieldError } from '@gm/contracts';
import { CategoryCatalogue, redactPersonalData, summarize, type Category, type CategoryAttribute, type RawAttributes } from '@gm/domain';
import { httpStatusOf } from '@gm/platform';
import type { PublicCaseRow, PublicUpdateRow } from '../cases/case.repository';

/**
 * How this platform's cases look through Open311 GeoReport v2 (and mySociety's update feed):
 * pure functions from categories, case rows and transitions to the spec's fields, and from
 * DomainErrors to the spec's error array. The HTTP side is open311.controller.ts.
 */

export const OPEN311_FORMATS = ['json', 'xml'] as const;
export type Open311Format = (typeof OPEN311_FORMATS)[number];

export const OPEN311_SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
/** When this adapter last changed in a way clients should notice (discovery's changeset). */
export const OPEN311_CHANGESET = '2026-12-01T00:00:00Z';
/** Paging of the lists (an extension: the spec leaves the limit to the server). */
export const OPEN311_PAGE_SIZE = { default: 50, max: 200 } as const;
/** Longest span of a date filter, and the default window (the spec's 90 days). */
export const OPEN311_WINDOW_DAYS = 90;

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string | null;
  metadata: boolean;
  type: 'realtime';
  keywords: string | null;
  group: string | null;
}

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: CategoryAttribute['datatype'];
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export interface Open311ServiceDefinition {
  service_code: string;
  attributes: Open311Attribute[];
}

export interface Open311Request {
  service_request_id: string;
  status: Open311Status;
  status_notes: string | null;
  service_name: string | null;
  service_code: string;
  description: string | null;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string | null;
  expected_datetime: string | null;
  address: string | null;
  address_id: string | null;
  zipcode: string | null;
  lat: number | null;
  long: number | null;
  media_url: string | null;
}

/** mySociety's extension: one public step of a request. */
export interface Open311Update {
  update_id: string;
  service_request_id: string;
  status: Open311Status;
  updated_datetime: string;
  description: string;
  media_url: string | null;
}

export interface Open311Created {
  service_request_id: string;
  token: string;
  service_notice: string | null;
  account_id: string | null;
}

export interface Open311Token {
  service_request_id: string;
  token: string;
}

export interface Open311Error {
  code: number;
  description: string;
}

export interface Open311Discovery {
  changeset: string;
  contact: string;
  key_service: string;
  endpoints: { specification: string; url: string; changeset: string; type: 'production'; formats: string[] }[];
}

/** The format of a route's `.{format}` suffix; anything else is an unknown route (404). */
export function open311Format(raw: string | undefined): Open311Format {
  if (raw === 'json' || raw === 'xml') return raw;
  throw new DomainError('REQUEST.ROUTE_NOT_FOUND', `不支持的格式 unsupported format: use .json or .xml`);
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

export type Open311Status = 'open' | 'closed';

/** States in which nothing more will be done about the request as reported (a closed case may still be reopened). */
export const OPEN311_CLOSED_STATES: readonly CaseState[] = ['closed', 'rejected', 'voided', 'merged'];

export function open311Status(state: CaseState): Open311Status {
  return OPEN311_CLOSED_STATES.includes(state) ? 'closed' : 'open';
}

/** The internal states behind Open311 statuses (for filters). */
export function statesOf(statuses: readonly Open311Status[]): CaseState[] {
  return CASE_STATES.filter((s) => statuses.includes(open311Status(s)));
}

// ---------------------------------------------------------------------------------------------
// Jurisdiction
// ---------------------------------------------------------------------------------------------

/** The jurisdiction of a tier: its district's code (the first six digits). */
export function jurisdictionOf(tierCode: string): string {
  return tierCode.slice(0, 6);
}

/** An absent jurisdiction_id is this one (one jurisdiction per endpoint); another one is a 400. */
export function checkJurisdiction(given: string | undefined, tierCode: string): void {
  if (given === undefined || given === '' || given === jurisdictionOf(tierCode)) return;
  throw DomainError.validation([{ field: 'jurisdiction_id', message: `未知的辖区 unknown jurisdiction: this endpoint serves ${jurisdictionOf(tierCode)}` }]);
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

const FAMILY = { object: { zh: '部件', en: 'Objects' }, event: { zh: '事件', en: 'Events' } } as const;

/** Where the names of major classes and departments come from: the catalogue in force (the default one unless given). */
export type CatalogueNames = Pick<CategoryCatalogue, 'majorClassOf' | 'departmentName'>;
const DEFAULT_NAMES: CatalogueNames = new CategoryCatalogue();

const departmentName = (code: string, names: CatalogueNames) => {
  const d = names.departmentName(code);
  return d ? `${d.zh} ${d.en}` : code;
};

export function serviceOf(c: Category, names: CatalogueNames = DEFAULT_NAMES): Open311Service {
  const family = FAMILY[c.family];
  const major = names.majorClassOf(c.code);
  const owner = names.departmentName(c.ownerDepartment);
  return {
    service_code: c.code,
    service_name: `${c.nameZh} ${c.nameEn}`,
    description: `${family.zh}类，由${owner?.zh ?? c.ownerDepartment}处置 · ${family.en === 'Objects' ? 'An object' : 'An event'}, handled by ${owner?.en ?? c.ownerDepartment}`,
    metadata: (c.attributes?.length ?? 0) > 0,
    type: 'realtime',
    keywords: c.keywords?.length ? c.keywords.join(', ') : null,
    group: major ? `${family.zh}·${major.nameZh} ${family.en}: ${major.nameEn}` : `${family.zh} ${family.en}`,
  };
}

function datatypeDescription(a: CategoryAttribute): string | null {
  switch (a.datatype) {
    case 'number': {
      const kind = a.integer ? '整数 a whole number' : '数字 a number';
      const range = a.min !== undefined || a.max !== undefined ? `，${a.min ?? '-∞'}–${a.max ?? '∞'} (${a.min ?? '-∞'} to ${a.max ?? '∞'})` : '';
      return `${kind}${range}`;
    }
    case 'datetime':
      return 'ISO 8601 时间，含时区 ISO 8601 with offset, e.g. 2026-11-21T09:30:00+08:00';
    case 'singlevaluelist':
      return '单选 choose one';
    case 'multivaluelist':
      return '可多选 choose one or more: attribute[code][]=key1&attribute[code][]=key2';
    case 'string':
      return '最长 200 字 up to 200 characters';
    case 'text':
      return '最长 2000 字 up to 2000 characters';
  }
}

export function serviceDefinitionOf(c: Category): Open311ServiceDefinition {
  return {
    service_code: c.code,
    attributes: [...(c.attributes ?? [])]
      .sort((a, b) => a.order - b.order)
      .map((a) => ({
        variable: true,
        code: a.code,
        datatype: a.datatype,
        required: a.required,
        datatype_description: datatypeDescription(a),
        order: a.order,
        description: `${a.descriptionZh} ${a.descriptionEn}`,
        ...(a.values && { values: a.values.map((v) => ({ key: v.key, name: `${v.nameZh} ${v.nameEn}` })) }),
      })),
  };
}

// ---------------------------------------------------------------------------------------------
// Requests and their updates
// ---------------------------------------------------------------------------------------------

interface PublicStep {
  readonly zh: string;
  readonly en: string;
  /** Whether the step's note (a reason, what was done) is addressed to the public. */
  readonly note: boolean;
}

/**
 * The workflow actions the public is told about, and how. Internal management (urging, extension
 * requests and denials, ratings) is not: it would not change what a reporter can expect.
 */
export const PUBLIC_STEPS: Readonly<Partial<Record<CaseAction, PublicStep>>> = {
  accept: { zh: '已受理', en: 'Accepted', note: false },
  reject: { zh: '不予受理', en: 'Not accepted', note: true },
  register: { zh: '已立案', en: 'Registered', note: false },
  dispatch: { zh: '已派遣', en: 'Dispatched', note: false },
  start: { zh: '处置中', en: 'Work started', note: false },
  handle: { zh: '已处置，待核查', en: 'Handled, to be verified', note: true },
  return: { zh: '退回重新处置', en: 'Returned for rework', note: false },
  verify: { zh: '已现场核查', en: 'Verified on site', note: false },
  close: { zh: '已结案', en: 'Closed', note: false },
  hold: { zh: '挂账，长期办理', en: 'On hold (long-term)', note: true },
  resume: { zh: '恢复办理', en: 'Resumed', note: false },
  void: { zh: '已作废', en: 'Voided', note: true },
  merge: { zh: '已合并', en: 'Merged', note: false },
  reopen: { zh: '重新办理', en: 'Reopened', note: false },
  self_handle: { zh: '已现场处置并结案', en: 'Solved on the spot and closed', note: true },
  approve_extension: { zh: '处置时限已延长', en: 'Deadline extended', note: false },
};
export const PUBLIC_ACTIONS: readonly string[] = Object.keys(PUBLIC_STEPS);

const RECEIVED = '已收到，待受理 Received, awaiting acceptance';

/** The public text of one step: Chinese first, with the public part of its note, redacted (never for sensitive categories). */
export function stepText(
  step: { action: string; note: string | null; details: Record<string, unknown> | null; primaryCaseNo: string | null },
  category: Category | undefined,
  names: CatalogueNames = DEFAULT_NAMES,
): string {
  const s = PUBLIC_STEPS[step.action as CaseAction];
  if (!s) return RECEIVED;
  let text = `${s.zh} ${s.en}`;
  const assignee = step.details?.['assignee'] as { kind?: string; code?: string } | undefined;
  if (step.action === 'dispatch' && assignee?.code) {
    const d = assignee.kind === 'department' ? names.departmentName(assignee.code) : undefined;
    text = d ? `已派遣至${d.zh} Dispatched to ${d.en}` : `已派遣至 ${assignee.code} Dispatched to ${assignee.code}`;
  }
  if (step.action === 'merge' && step.primaryCaseNo) text = `已合并至 ${step.primaryCaseNo} Merged into ${step.primaryCaseNo}`;
  if (s.note && step.note?.trim() && !category?.sensitive) text = `${text}：${summarize(step.note, 500)}`;
  return text;
}

/** What the reporter should expect, from the triage at intake. */
export function serviceNotice(triage: string): string {
  return triage === 'emergency'
    ? '紧急事件，已即时通知街道和责任部门 Emergency: the street and the responsible department were notified at once'
    : '将按时限办理，预计时间见 expected_datetime Handled within the time limits; see expected_datetime';
}

/** Coarse position (about 100 m) for sensitive matters. */
const coarse = (x: number) => Math.round(x * 1000) / 1000;

export function requestOf(row: PublicCaseRow, category: Category | undefined, names: CatalogueNames = DEFAULT_NAMES): Open311Request {
  const sensitive = category?.sensitive === true;
  const agency = row.assigneeKind === 'department' && row.assigneeCode ? row.assigneeCode : category?.ownerDepartment;
  return {
    service_request_id: row.caseNo,
    status: open311Status(row.state),
    status_notes: row.lastAction
      ? stepText({ action: row.lastAction, note: row.lastNote, details: row.lastDetails, primaryCaseNo: row.primaryCaseNo }, category, names)
      : RECEIVED,
    service_name: category ? `${category.nameZh} ${category.nameEn}` : null,
    service_code: row.categoryCode,
    description: sensitive ? null : redactPersonalData(row.description).slice(0, 4000),
    agency_responsible: agency ? departmentName(agency, names) : null,
    service_notice: serviceNotice(row.triage),
    requested_datetime: row.reportedAt.toISOString(),
    updated_datetime: (row.lastAt ?? row.reportedAt).toISOString(),
    expected_datetime: row.deadlineAt ? row.deadlineAt.toISOString() : null,
    address: sensitive ? null : row.address,
    address_id: null,
    zipcode: null,
    lat: sensitive ? coarse(row.latitude) : row.latitude,
    long: sensitive ? coarse(row.longitude) : row.longitude,
    media_url: row.mediaUrl,
  };
}

export function updateOf(row: PublicUpdateRow, category: Category | undefined, names: CatalogueNames = DEFAULT_NAMES): Open311Update {
  return {
    update_id: row.updateId,
    service_request_id: row.caseNo,
    status: open311Status(row.toState),
    updated_datetime: row.at.toISOString(),
    description: stepText(row, category, names),
    // Staff photos are internal evidence (they may show people): not published.
    media_url: null,
  };
}

// ---------------------------------------------------------------------------------------------
// The POST form
// ---------------------------------------------------------------------------------------------

/** A form-encoded body or a query string as parsed: one string, or several for a repeated field. */
export type Open311Form = Readonly<Record<string, string | readonly string[] | undefined>>;

const ATTRIBUTE_FIELD = /^attribute\[([^\]]{1,64})\](\[\])?$/;

/** One value of a field; a field given twice is a 400 (which one was meant?). */
export function formField(form: Open311Form, name: string): string | undefined {
  const v = form[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v.length > 1) throw DomainError.validation([{ field: name, message: '只能出现一次 must appear once' }]);
  return v[0];
}

/** `attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2` (multivaluelist), per code. */
export function attributesOf(form: Open311Form): RawAttributes {
  const out: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(form)) {
    const m = ATTRIBUTE_FIELD.exec(name);
    if (!m || v === undefined) continue;
    (out[m[1]!] ??= []).push(...(typeof v === 'string' ? [v] : v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Our field names as the client knows them (`status`, not `status.0`, for an entry of a comma list). */
export function open311Field(field: string): string {
  const attribute = /^attributes\.(.+)$/.exec(field);
  if (attribute) return `attribute[${attribute[1]}]`;
  const name = field.replace(/\.\d+$/, '');
  switch (name) {
    case 'categoryCode':
      return 'service_code';
    case 'location.latitude':
    case 'gridCode':
      return 'lat';
    case 'location.longitude':
      return 'long';
    case 'address':
      return 'address_string';
    default:
      return name;
  }
}

const hasChinese = (s: string) => /[\u4e00-\u9fff]/.test(s);

/**
 * The spec's answer to a failure: 400, 403 or 404 (5xx stays 5xx) and an array of
 * `{code, description}` with the status as code, one per offending field. Descriptions are
 * Chinese first; server-side failures say no more than that they happened.
 */
export function open311Errors(error: DomainError): { status: number; errors: Open311Error[] } {
  const http = httpStatusOf(error.code);
  // GeoReport v2 names 400, 403, 404 and server errors; 429 (with Retry-After) is kept as it is, so clients back off.
  const status = http >= 500 || http === 429 ? http : http === 401 || http === 403 ? 403 : http === 404 ? 404 : 400;
  const title = ERROR_MESSAGES[error.code];
  if (status >= 500) return { status, errors: [{ code: status, description: `${title.zh} ${title.en}` }] };
  const fields: readonly FieldError[] = error.fieldErrors;
  if (fields.length > 0) return { status, errors: fields.map((f) => ({ code: status, description: `${open311Field(f.field)}: ${f.message}` })) };
  return { status, errors: [{ code: status, description: hasChinese(error.message) ? error.message : `${title.zh} ${error.message}` }] };
}

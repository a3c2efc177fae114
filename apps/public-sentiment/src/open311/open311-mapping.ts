import { CASE_STATES, DomainError, type CaseAction, type CaseState } from '@gm/contracts';
import { CategoryCatalogue, redactPersonalData, summarize, type Category, type CategoryAttribute } from '@gm/domain';
import type { PublicCaseRow, PublicUpdateRow } from './open311-read-model';
import type { Open311Request, Open311Service, Open311ServiceDefinition, Open311Status, Open311Update } from './open311-wire';

/**
 * How this platform's cases look through Open311 GeoReport v2 (and mySociety's update feed):
 * pure functions from categories, case rows and transitions to the spec's fields, and from
 * DomainErrors to the spec's error array. The HTTP side is open311.controller.ts.
 */

export * from './open311-wire';
export * from './open311-form';

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------


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

import { CASE_STATES, DomainError } from '@gm/contracts';
import { CategoryCatalogue, DEFAULT_CATEGORIES } from '@gm/domain';
import { SYNTHETIC_PHONE, open311Contract, type Open311Contract } from '@gm/testing';
import type { PublicCaseRow, PublicUpdateRow } from './open311-read-model';
import {
  OPEN311_CLOSED_STATES,
  PUBLIC_ACTIONS,
  attributesOf,
  checkJurisdiction,
  formField,
  jurisdictionOf,
  open311Errors,
  open311Field,
  open311Format,
  open311Status,
  requestOf,
  serviceDefinitionOf,
  serviceOf,
  statesOf,
  stepText,
  updateOf,
} from './open311-mapping';

const catalogue = new CategoryCatalogue();
const category = (code: string) => catalogue.find(code)!;

function aPublicCaseRow(overrides: Partial<PublicCaseRow> = {}): PublicCaseRow {
  return {
    id: '6f1c2b0e-3f6a-4c1e-9a51-2a4b8c0d1e2f',
    caseNo: '350206-20261201-000001',
    state: 'reported',
    categoryCode: 'SJ0101',
    urgency: 'normal',
    triage: 'coordination',
    description: '小区东门垃圾桶满溢 (bins overflowing)',
    address: '演示小区东门 (demo estate, east gate)',
    latitude: 24.512345,
    longitude: 118.145678,
    reportedAt: new Date('2026-12-01T01:00:00Z'),
    deadlineAt: new Date('2026-12-01T03:00:00Z'),
    mediaUrl: null,
    assigneeKind: null,
    assigneeCode: null,
    primaryCaseNo: null,
    lastAction: null,
    lastAt: null,
    lastNote: null,
    lastDetails: null,
    ...overrides,
  };
}

function anUpdateRow(overrides: Partial<PublicUpdateRow> = {}): PublicUpdateRow {
  return {
    updateId: '42',
    caseNo: '350206-20261201-000001',
    categoryCode: 'SJ0101',
    action: 'accept',
    toState: 'accepted',
    at: new Date('2026-12-01T02:00:00Z'),
    note: null,
    details: {},
    primaryCaseNo: null,
    ...overrides,
  };
}

describe('Open311 mapping', () => {
  let contract: Open311Contract;
  beforeAll(async () => {
    contract = await open311Contract();
  });

  describe('status', () => {
    it('maps closed, rejected, voided and merged to closed and every other state to open', () => {
      const closed = CASE_STATES.filter((s) => open311Status(s) === 'closed');
      expect(closed.sort()).toEqual(['closed', 'merged', 'rejected', 'voided']);
      expect(OPEN311_CLOSED_STATES).toHaveLength(4);
      for (const s of ['reported', 'accepted', 'dispatched', 'handled', 'on_hold', 'returned', 'escalated'] as const) expect(open311Status(s)).toBe('open');
    });

    it('turns statuses back into states, covering every state exactly once', () => {
      const open = statesOf(['open']);
      const closed = statesOf(['closed']);
      expect([...open, ...closed].sort()).toEqual([...CASE_STATES].sort());
      expect(open.filter((s) => closed.includes(s))).toEqual([]);
      expect(statesOf(['open', 'closed'])).toHaveLength(CASE_STATES.length);
    });
  });

  describe('jurisdiction', () => {
    it('is the district code of the tier', () => {
      expect(jurisdictionOf('350206')).toBe('350206');
      expect(jurisdictionOf('350206001')).toBe('350206');
      expect(jurisdictionOf('350206001001-07')).toBe('350206');
    });

    it('accepts this one or none, refuses another naming jurisdiction_id', () => {
      expect(() => checkJurisdiction(undefined, '350206001')).not.toThrow();
      expect(() => checkJurisdiction('', '350206001')).not.toThrow();
      expect(() => checkJurisdiction('350206', '350206001')).not.toThrow();
      for (const other of ['350203', '350206001', 'xiamen']) {
        expect(() => checkJurisdiction(other, '350206')).toThrow(expect.objectContaining({ fieldErrors: [expect.objectContaining({ field: 'jurisdiction_id' })] }));
      }
    });
  });

  describe('services', () => {
    it('one valid service per category, Chinese name first, grouped by family and major class', () => {
      const services = DEFAULT_CATEGORIES.map((c) => serviceOf(c));
      contract.check('services', services);
      for (const s of services) contract.check('service', s);
      expect(services.find((s) => s.service_code === 'SJ0101')).toMatchObject({
        service_name: '暴露垃圾 Exposed garbage',
        type: 'realtime',
        metadata: true,
        group: '事件·市容环境 Events: City appearance',
        keywords: expect.stringContaining('垃圾'),
      });
      expect(services.find((s) => s.service_code === 'BJ0101')).toMatchObject({ metadata: false, keywords: null, group: expect.stringMatching(/^部件·公用设施/) });
    });

    it('a service definition per category validates; list values as key and name; by display order', () => {
      for (const c of DEFAULT_CATEGORIES) contract.check('service-definition', serviceDefinitionOf(c));
      const lamp = serviceDefinitionOf(category('BJ0110'));
      expect(lamp.attributes.map((a) => [a.code, a.datatype, a.required, a.order])).toEqual([
        ['fault', 'singlevaluelist', true, 1],
        ['pole_no', 'string', false, 2],
      ]);
      expect(lamp.attributes[0]?.values).toContainEqual({ key: 'dark', name: '不亮 Not lit' });
      expect(lamp.attributes[1]).not.toHaveProperty('values');
      expect(serviceDefinitionOf(category('SJ0901')).attributes[0]).toMatchObject({ code: 'households', datatype_description: expect.stringContaining('1–10000') });
      expect(serviceDefinitionOf(category('BJ0101')).attributes).toEqual([]);
    });
  });

  describe('requests', () => {
    it('a fresh case: open, received, due at its deadline, valid against the schema', () => {
      const r = requestOf(aPublicCaseRow(), category('SJ0101'));
      contract.check('request', r);
      contract.check('requests', [r]);
      expect(r).toMatchObject({
        service_request_id: '350206-20261201-000001',
        status: 'open',
        status_notes: '已收到，待受理 Received, awaiting acceptance',
        service_name: '暴露垃圾 Exposed garbage',
        service_code: 'SJ0101',
        agency_responsible: '城市管理部门 Urban management',
        requested_datetime: '2026-12-01T01:00:00.000Z',
        updated_datetime: '2026-12-01T01:00:00.000Z',
        expected_datetime: '2026-12-01T03:00:00.000Z',
        lat: 24.512345,
        long: 118.145678,
        media_url: null,
      });
    });

    it('masks phone and ID numbers typed into the description', () => {
      const r = requestOf(aPublicCaseRow({ description: `有事请联系 ${SYNTHETIC_PHONE}` }), category('SJ0101'));
      expect(r.description).not.toContain(SYNTHETIC_PHONE);
      expect(r.description).toContain('140****8000');
    });

    it('publishes neither text nor address of a sensitive matter, and only a coarse position', () => {
      const r = requestOf(aPublicCaseRow({ categoryCode: 'SJ0901', description: '3号楼502与602漏水纠纷', lastAction: 'handle', lastNote: '已调解，502 同意赔偿', lastAt: new Date('2026-12-02T00:00:00Z') }), category('SJ0901'));
      contract.check('request', r);
      expect(r).toMatchObject({ description: null, address: null, lat: 24.512, long: 118.146, status_notes: '已处置，待核查 Handled, to be verified' });
    });

    it('takes status notes and the update time from the latest public step; agency from the dispatch', () => {
      const r = requestOf(
        aPublicCaseRow({ state: 'dispatched', assigneeKind: 'department', assigneeCode: 'water', lastAction: 'dispatch', lastAt: new Date('2026-12-01T02:30:00Z'), lastDetails: { assignee: { kind: 'department', code: 'water' } } }),
        category('SJ0101'),
      );
      expect(r).toMatchObject({ status: 'open', status_notes: '已派遣至水务部门 Dispatched to Water authority', agency_responsible: '水务部门 Water authority', updated_datetime: '2026-12-01T02:30:00.000Z' });
    });

    it('a rejected or merged case is closed, with the reason or the case it follows', () => {
      const rejected = requestOf(aPublicCaseRow({ state: 'rejected', deadlineAt: null, lastAction: 'reject', lastNote: `不属于本辖区，请拨打 ${SYNTHETIC_PHONE}`, lastAt: new Date('2026-12-01T02:00:00Z') }), category('SJ0101'));
      contract.check('request', rejected);
      expect(rejected.status).toBe('closed');
      expect(rejected.status_notes).toBe('不予受理 Not accepted：不属于本辖区，请拨打 140****8000');
      expect(rejected.expected_datetime).toBeNull();
      const merged = requestOf(aPublicCaseRow({ state: 'merged', lastAction: 'merge', primaryCaseNo: '350206-20261201-000009', lastAt: new Date('2026-12-01T02:00:00Z') }), category('SJ0101'));
      expect(merged).toMatchObject({ status: 'closed', status_notes: '已合并至 350206-20261201-000009 Merged into 350206-20261201-000009' });
    });

    it('an unknown category (removed from the catalogue) still gives a valid request', () => {
      contract.check('request', requestOf(aPublicCaseRow({ categoryCode: 'SJ9999' }), undefined));
    });
  });

  describe('updates', () => {
    it('each public step becomes an update with the status after it', () => {
      expect(updateOf(anUpdateRow({ action: 'close', toState: 'closed' }), category('SJ0101'))).toEqual({
        update_id: '42',
        service_request_id: '350206-20261201-000001',
        status: 'closed',
        updated_datetime: '2026-12-01T02:00:00.000Z',
        description: '已结案 Closed',
        media_url: null,
      });
    });

    it('internal steps are not public: urging, extension requests and denials, ratings', () => {
      for (const action of ['urge', 'request_extension', 'deny_extension', 'rate', 'report']) expect(PUBLIC_ACTIONS).not.toContain(action);
      for (const action of ['accept', 'reject', 'dispatch', 'handle', 'close', 'void', 'merge', 'reopen', 'approve_extension']) expect(PUBLIC_ACTIONS).toContain(action);
      expect(stepText({ action: 'urge', note: '请今日内处理', details: null, primaryCaseNo: null }, undefined)).not.toContain('请今日内处理');
    });

    it('shows the notes meant for the public, redacted, and only those', () => {
      expect(stepText({ action: 'handle', note: `已清运，联系人 ${SYNTHETIC_PHONE}`, details: null, primaryCaseNo: null }, category('SJ0101'))).toBe('已处置，待核查 Handled, to be verified：已清运，联系人 140****8000');
      expect(stepText({ action: 'return', note: '处置不彻底', details: null, primaryCaseNo: null }, category('SJ0101'))).toBe('退回重新处置 Returned for rework');
    });
  });

  describe('the POST form', () => {
    it('collects attribute[code] and attribute[code][] values per code, ignoring other fields', () => {
      expect(
        attributesOf({ 'attribute[fault]': 'dark', 'attribute[kinds][]': ['a', 'b'], 'attribute[kinds]': 'c', attribute: 'x', 'attribute[]': 'y', email: 'someone@example.org' }),
      ).toEqual({ fault: ['dark'], kinds: ['a', 'b', 'c'] });
    });

    it('takes a field once and refuses it twice', () => {
      expect(formField({ lat: '24.5' }, 'lat')).toBe('24.5');
      expect(formField({ lat: ['24.5'] }, 'lat')).toBe('24.5');
      expect(formField({}, 'lat')).toBeUndefined();
      expect(() => formField({ lat: ['24.5', '24.6'] }, 'lat')).toThrow(expect.objectContaining({ fieldErrors: [expect.objectContaining({ field: 'lat' })] }));
    });
  });

  describe('errors', () => {
    it.each([
      [new DomainError('AUTH.FORBIDDEN', 'api_key 缺失或无效 missing or invalid api_key'), 403, 'api_key 缺失或无效 missing or invalid api_key'],
      [new DomainError('AUTH.UNAUTHENTICATED'), 403, undefined],
      [new DomainError('CASE.NOT_FOUND', '未找到该服务请求 no such service request'), 404, undefined],
      [new DomainError('REQUEST.ROUTE_NOT_FOUND'), 404, undefined],
      [new DomainError('CASE.IDEMPOTENCY_CONFLICT'), 400, undefined],
      [new DomainError('REQUEST.BODY_TOO_LARGE'), 400, undefined],
      [new DomainError('SERVICE.UNAVAILABLE', 'gm.rpc.gis.locate.v1: no reply in time'), 503, '服务暂时不可用，请稍后重试 Service temporarily unavailable; try again later'],
      [new DomainError('INTERNAL', 'stack details'), 500, '服务器内部错误 Internal server error'],
    ])('%s → HTTP %d with one error carrying that code', (error, status, description) => {
      const out = open311Errors(error);
      expect(out.status).toBe(status);
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0]?.code).toBe(status);
      expect(out.errors[0]?.description).toMatch(/[\u4e00-\u9fff]/);
      if (description) expect(out.errors[0]?.description).toBe(description);
    });

    it('names each offending field as the client sent it', () => {
      const out = open311Errors(
        DomainError.validation([
          { field: 'attributes.households', message: '必填 required' },
          { field: 'categoryCode', message: 'unknown' },
          { field: 'location.longitude', message: 'bad' },
        ]),
      );
      expect(out.status).toBe(400);
      expect(out.errors.map((e) => e.description)).toEqual(['attribute[households]: 必填 required', 'service_code: unknown', 'long: bad']);
      expect(open311Field('gridCode')).toBe('lat');
      expect(open311Field('description')).toBe('description');
      expect(open311Field('status.0')).toBe('status');
      expect(open311Field('attributes.kinds')).toBe('attribute[kinds]');
    });

    it('knows json and xml, and nothing else (404)', () => {
      expect(open311Format('json')).toBe('json');
      expect(open311Format('xml')).toBe('xml');
      for (const f of ['html', 'JSON', '', undefined]) expect(() => open311Format(f)).toThrow(expect.objectContaining({ code: 'REQUEST.ROUTE_NOT_FOUND' }));
    });
  });
});

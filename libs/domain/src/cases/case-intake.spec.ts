import { CATEGORY_CODE_PATTERN, DomainError, ROLES, type Principal, type Role, type Urgency } from '@gm/contracts';
import { INTAKE_ROLES, PUBLIC_REPORTER_ROLE, decideIntake, formatCaseNo, isOpen311Reporter, open311Reporter, type IntakeRequest } from './case-intake';
import { CategoryCatalogue, DEFAULT_CATEGORIES, type Category } from './category-catalogue';

const TIER = '350206'; // district tier instance
const GRID = '350206001001-07';
const OTHER_GRID_SAME_COMMUNITY = '350206001001-08';
const GRID_OTHER_STREET = '350206002001-01';
const GRID_OTHER_DISTRICT = '350203001001-01';

const catalogue = new CategoryCatalogue();

function principal(roles: Role[], orgUnit: string): Principal {
  return { subject: 'sub-0001', username: 'synthetic.user', roles, orgUnit };
}

function request(overrides: Partial<IntakeRequest> = {}): IntakeRequest {
  return {
    principal: principal(['grid-worker'], GRID),
    channel: 'handheld',
    categoryCode: 'SJ0101',
    tierCode: TIER,
    ...overrides,
  };
}

/** Runs `fn`, expecting a DomainError, and returns it for closer inspection. */
function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

describe('decideIntake: roles per channel', () => {
  it.each(INTAKE_ROLES.handheld.map((r) => [r]))('lets a %s report through the handheld', (role) => {
    const decision = decideIntake(request({ principal: principal([role], GRID), channel: 'handheld' }), catalogue);
    expect(decision.reporterRole).toBe(role);
  });

  it.each(INTAKE_ROLES.desk.map((r) => [r]))('lets a %s report at the desk', (role) => {
    const decision = decideIntake(
      request({ principal: principal([role], '350206001'), channel: 'desk', gridCode: GRID }),
      catalogue,
    );
    expect(decision.reporterRole).toBe(role);
  });

  const notHandheld = ROLES.filter((r) => !INTAKE_ROLES.handheld.includes(r));
  it.each(notHandheld.map((r) => [r]))('refuses a %s on the handheld with AUTH.FORBIDDEN', (role) => {
    const err = domainErrorOf(() =>
      decideIntake(request({ principal: principal([role], GRID), channel: 'handheld' }), catalogue),
    );
    expect(err.code).toBe('AUTH.FORBIDDEN');
    expect(err.message).toContain('grid-worker');
  });

  const notDesk = ROLES.filter((r) => !INTAKE_ROLES.desk.includes(r));
  it.each(notDesk.map((r) => [r]))('refuses a %s at the desk with AUTH.FORBIDDEN', (role) => {
    const err = domainErrorOf(() =>
      decideIntake(request({ principal: principal([role], GRID), channel: 'desk', gridCode: GRID }), catalogue),
    );
    expect(err.code).toBe('AUTH.FORBIDDEN');
    expect(err.message).toContain('community-staff');
  });

  it('refuses a principal with no roles at all', () => {
    expect(() => decideIntake(request({ principal: principal([], GRID) }), catalogue)).toThrow(
      expect.objectContaining({ code: 'AUTH.FORBIDDEN' }),
    );
  });

  it('checks the role before anything else (unknown category, bad grid)', () => {
    const err = domainErrorOf(() =>
      decideIntake(
        request({ principal: principal(['auditor'], GRID), categoryCode: 'XX9999', gridCode: 'nonsense' }),
        catalogue,
      ),
    );
    expect(err.code).toBe('AUTH.FORBIDDEN');
  });

  it('reports under the first of the principal\'s roles that may use the channel', () => {
    const p = principal(['admin', 'grid-leader', 'grid-worker', 'street-staff'], GRID);
    expect(decideIntake(request({ principal: p, channel: 'handheld' }), catalogue).reporterRole).toBe('grid-leader');
    expect(decideIntake(request({ principal: p, channel: 'desk' }), catalogue).reporterRole).toBe('street-staff');
  });
});

describe('decideIntake: category', () => {
  it('returns the catalogue entry', () => {
    const decision = decideIntake(request({ categoryCode: 'BJ0110' }), catalogue);
    expect(decision.category).toBe(catalogue.find('BJ0110'));
    expect(decision.category.nameEn).toBe('Street lamp');
  });

  it.each(['SJ9999', 'sj0101', 'SJ0101 ', '', 'BJ01'])('rejects unknown category %j with CASE.UNKNOWN_CATEGORY on field categoryCode', (categoryCode) => {
    const err = domainErrorOf(() => decideIntake(request({ categoryCode }), catalogue));
    expect(err.code).toBe('CASE.UNKNOWN_CATEGORY');
    expect(err.fieldErrors).toHaveLength(1);
    expect(err.fieldErrors[0]?.field).toBe('categoryCode');
    expect(err.fieldErrors[0]?.message).toContain('unknown category');
  });

  it('checks the category before the grid', () => {
    const err = domainErrorOf(() => decideIntake(request({ categoryCode: 'SJ9999', gridCode: 'nonsense' }), catalogue));
    expect(err.code).toBe('CASE.UNKNOWN_CATEGORY');
  });

  it('uses the catalogue it is given, not the default one', () => {
    const custom = new CategoryCatalogue([
      { code: 'SJ9901', family: 'event', nameZh: '测试类别', nameEn: 'Test category', ownerDepartment: 'test', defaultUrgency: 'urgent' },
    ]);
    expect(decideIntake(request({ categoryCode: 'SJ9901' }), custom).category.code).toBe('SJ9901');
    expect(() => decideIntake(request({ categoryCode: 'SJ0101' }), custom)).toThrow(
      expect.objectContaining({ code: 'CASE.UNKNOWN_CATEGORY' }),
    );
  });
});

describe('decideIntake: grid', () => {
  it("defaults to the principal's own grid", () => {
    expect(decideIntake(request({ gridCode: undefined }), catalogue).gridCode).toBe(GRID);
  });

  it("canonicalises a 14-digit principal's org unit", () => {
    const decision = decideIntake(request({ principal: principal(['grid-worker'], '35020600100107') }), catalogue);
    expect(decision.gridCode).toBe(GRID);
  });

  it('takes a named grid inside the caller scope, in either form', () => {
    const leader = principal(['grid-leader'], '350206001001');
    expect(decideIntake(request({ principal: leader, gridCode: OTHER_GRID_SAME_COMMUNITY }), catalogue).gridCode).toBe(
      OTHER_GRID_SAME_COMMUNITY,
    );
    expect(decideIntake(request({ principal: leader, gridCode: '35020600100108' }), catalogue).gridCode).toBe(
      OTHER_GRID_SAME_COMMUNITY,
    );
  });

  it.each([
    ['a district', '350206'],
    ['a street', '350206001'],
    ['a community', '350206001001'],
  ])('rejects %s as gridCode with REQUEST.VALIDATION_FAILED naming gridCode', (level, gridCode) => {
    const err = domainErrorOf(() =>
      decideIntake(request({ principal: principal(['district-staff'], '350206'), channel: 'desk', gridCode }), catalogue),
    );
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['gridCode']);
    expect(err.fieldErrors[0]?.message).toContain(`is a ${level.split(' ')[1]}, not a grid`);
  });

  it('when the principal sits above grid level and names no grid, asks for gridCode', () => {
    const err = domainErrorOf(() =>
      decideIntake(request({ principal: principal(['community-staff'], '350206001001'), channel: 'desk' }), catalogue),
    );
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.fieldErrors[0]?.field).toBe('gridCode');
    expect(err.fieldErrors[0]?.message).toContain('name the grid in gridCode');
  });

  it.each(['nonsense', '350206001001-7', '3502060010', ''])('rejects malformed gridCode %j naming gridCode', (gridCode) => {
    const err = domainErrorOf(() => decideIntake(request({ gridCode }), catalogue));
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['gridCode']);
    expect(err.message).toMatch(/^gridCode: /);
  });
});

describe('decideIntake: scope', () => {
  it('refuses a grid outside the caller org unit with AUTH.OUT_OF_SCOPE', () => {
    const err = domainErrorOf(() => decideIntake(request({ gridCode: OTHER_GRID_SAME_COMMUNITY }), catalogue));
    expect(err.code).toBe('AUTH.OUT_OF_SCOPE');
    expect(err.message).toContain('outside your org unit');
  });

  it('refuses a grid in a sibling street for street staff', () => {
    const err = domainErrorOf(() =>
      decideIntake(
        request({ principal: principal(['street-staff'], '350206001'), channel: 'desk', gridCode: GRID_OTHER_STREET }),
        catalogue,
      ),
    );
    expect(err.code).toBe('AUTH.OUT_OF_SCOPE');
  });

  it('refuses a grid in the caller scope but outside the tier this instance serves', () => {
    // District staff may see the whole district, but this instance serves street 350206001 only.
    const err = domainErrorOf(() =>
      decideIntake(
        request({
          principal: principal(['district-staff'], '350206'),
          channel: 'desk',
          gridCode: GRID_OTHER_STREET,
          tierCode: '350206001',
        }),
        catalogue,
      ),
    );
    expect(err.code).toBe('AUTH.OUT_OF_SCOPE');
    expect(err.message).toContain('not served by this tier');
  });

  it('refuses a grid of another district on a district tier', () => {
    const err = domainErrorOf(() =>
      decideIntake(
        request({ principal: principal(['grid-worker'], GRID_OTHER_DISTRICT), tierCode: TIER }),
        catalogue,
      ),
    );
    expect(err.code).toBe('AUTH.OUT_OF_SCOPE');
    expect(err.message).toContain('not served by this tier');
  });

  it('accepts a grid that is the tier itself or lies below it', () => {
    expect(decideIntake(request({ tierCode: GRID }), catalogue).gridCode).toBe(GRID);
    expect(decideIntake(request({ tierCode: '350206001001' }), catalogue).gridCode).toBe(GRID);
    expect(decideIntake(request({ tierCode: '350206001' }), catalogue).gridCode).toBe(GRID);
  });
});

describe('decideIntake: urgency', () => {
  it("defaults to the category's urgency", () => {
    expect(decideIntake(request({ categoryCode: 'SJ0101' }), catalogue).urgency).toBe('normal');
    expect(decideIntake(request({ categoryCode: 'BJ0201' }), catalogue).urgency).toBe('urgent');
  });

  it("keeps the reporter's choice for non-emergency categories, up or down", () => {
    expect(decideIntake(request({ categoryCode: 'SJ0101', urgency: 'urgent' }), catalogue).urgency).toBe('urgent');
    expect(decideIntake(request({ categoryCode: 'SJ0101', urgency: 'emergency' }), catalogue).urgency).toBe('emergency');
    expect(decideIntake(request({ categoryCode: 'BJ0201', urgency: 'normal' }), catalogue).urgency).toBe('normal');
  });

  const emergencies = DEFAULT_CATEGORIES.filter((c) => c.defaultUrgency === 'emergency').map((c) => c.code);

  it('the default catalogue has emergency categories', () => {
    expect(emergencies).toEqual(expect.arrayContaining(['SJ0401', 'SJ0402', 'SJ0403']));
  });

  it.each(emergencies.flatMap((code) => (['normal', 'urgent', undefined] as const).map((u): [string, Urgency | undefined] => [code, u])))(
    'forces emergency category %s to "emergency" when the reporter picked %s',
    (categoryCode, urgency) => {
      expect(decideIntake(request({ categoryCode, urgency }), catalogue).urgency).toBe('emergency');
    },
  );
});

describe('formatCaseNo', () => {
  it('formats <tier>-<yyyymmdd>-<6-digit sequence>', () => {
    expect(formatCaseNo('350206', new Date('2026-11-21T02:00:00Z'), 42)).toBe('350206-20261121-000042');
  });

  it('uses the date in Asia/Shanghai by default, not UTC', () => {
    expect(formatCaseNo('350206', new Date('2026-11-21T17:30:00Z'), 42)).toBe('350206-20261122-000042');
  });

  it('switches day exactly at Shanghai midnight (16:00 UTC)', () => {
    expect(formatCaseNo('350206', new Date('2026-11-21T15:59:59.999Z'), 1)).toBe('350206-20261121-000001');
    expect(formatCaseNo('350206', new Date('2026-11-21T16:00:00.000Z'), 1)).toBe('350206-20261122-000001');
  });

  it('honours another time zone', () => {
    expect(formatCaseNo('350206', new Date('2026-11-21T17:30:00Z'), 42, 'UTC')).toBe('350206-20261121-000042');
    expect(formatCaseNo('350206', new Date('2026-11-21T02:00:00Z'), 42, 'America/Los_Angeles')).toBe('350206-20261120-000042');
  });

  it('crosses month and year boundaries in the time zone', () => {
    expect(formatCaseNo('350206', new Date('2026-12-31T16:30:00Z'), 7)).toBe('350206-20270101-000007');
    expect(formatCaseNo('350206', new Date('2026-12-31T16:30:00Z'), 7, 'UTC')).toBe('350206-20261231-000007');
  });

  it('pads the sequence to six digits and never truncates a longer one', () => {
    const day = new Date('2026-11-21T02:00:00Z');
    expect(formatCaseNo('350206', day, 1)).toBe('350206-20261121-000001');
    expect(formatCaseNo('350206', day, 999_999)).toBe('350206-20261121-999999');
    expect(formatCaseNo('350206', day, 1_234_567)).toBe('350206-20261121-1234567');
  });

  it('keeps lower tier codes as given', () => {
    expect(formatCaseNo('350206001', new Date('2026-11-21T02:00:00Z'), 3)).toBe('350206001-20261121-000003');
  });
});

describe('CategoryCatalogue', () => {
  const sample = (code: string, overrides: Partial<Category> = {}): Category => ({
    code,
    family: 'event',
    nameZh: '样例',
    nameEn: 'Sample',
    ownerDepartment: 'test',
    defaultUrgency: 'normal',
    ...overrides,
  });

  it('rejects duplicate codes', () => {
    expect(() => new CategoryCatalogue([sample('SJ9901'), sample('SJ9902'), sample('SJ9901', { nameEn: 'Other' })])).toThrow(
      'Duplicate category code SJ9901',
    );
  });

  it('finds by exact code and answers undefined otherwise', () => {
    const c = new CategoryCatalogue([sample('SJ9901'), sample('BJ9901', { family: 'object' })]);
    expect(c.find('SJ9901')?.code).toBe('SJ9901');
    expect(c.find('BJ9901')?.family).toBe('object');
    expect(c.find('sj9901')).toBeUndefined();
    expect(c.find('SJ9903')).toBeUndefined();
  });

  it('lists every category once, in the given order', () => {
    const c = new CategoryCatalogue([sample('SJ9902'), sample('SJ9901')]);
    expect(c.list().map((x) => x.code)).toEqual(['SJ9902', 'SJ9901']);
  });

  it('list() returns a copy that cannot alter the catalogue', () => {
    const c = new CategoryCatalogue([sample('SJ9901')]);
    c.list().pop();
    expect(c.list()).toHaveLength(1);
  });

  it('an empty catalogue knows nothing', () => {
    const c = new CategoryCatalogue([]);
    expect(c.list()).toEqual([]);
    expect(c.find('SJ0101')).toBeUndefined();
  });

  it('defaults to DEFAULT_CATEGORIES', () => {
    expect(new CategoryCatalogue().list()).toEqual([...DEFAULT_CATEGORIES]);
  });

  describe('DEFAULT_CATEGORIES', () => {
    it('has unique codes', () => {
      const codes = DEFAULT_CATEGORIES.map((c) => c.code);
      expect(new Set(codes).size).toBe(codes.length);
    });

    it.each(DEFAULT_CATEGORIES.map((c): [string, Category] => [c.code, c]))('%s matches CATEGORY_CODE_PATTERN and is well described', (code, c) => {
      expect(code).toMatch(CATEGORY_CODE_PATTERN);
      expect(c.nameZh.trim()).not.toBe('');
      expect(c.nameZh).toMatch(/[\u4e00-\u9fff]/);
      expect(c.nameEn.trim()).not.toBe('');
      expect(c.ownerDepartment.trim()).not.toBe('');
      // BJ = objects (部件), SJ = events (事件).
      expect(c.family).toBe(code.startsWith('BJ') ? 'object' : 'event');
    });
  });
});

describe('decideIntake: triage', () => {
  it('defaults to coordination through the community station', () => {
    expect(decideIntake(request(), catalogue).triage).toBe('coordination');
  });

  it.each([
    ['an emergency category', { categoryCode: 'SJ0403' }],
    ['an emergency urgency', { urgency: 'emergency' as const }],
    ['an emergency triage', { triage: 'emergency' as const }],
    ['an emergency category even when the reporter picked on_the_spot', { categoryCode: 'SJ0401', triage: 'on_the_spot' as const, evidenceCount: 1 }],
  ])('makes %s an emergency of the highest urgency', (_label, overrides) => {
    const decision = decideIntake(request(overrides), catalogue);
    expect(decision.triage).toBe('emergency');
    expect(decision.urgency).toBe('emergency');
  });

  it('takes on_the_spot from a grid worker on the handheld with evidence', () => {
    expect(decideIntake(request({ triage: 'on_the_spot', evidenceCount: 2 }), catalogue).triage).toBe('on_the_spot');
  });

  it('refuses on_the_spot without evidence, naming evidence', () => {
    const err = domainErrorOf(() => decideIntake(request({ triage: 'on_the_spot' }), catalogue));
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['evidence']);
  });

  it('refuses on_the_spot at the desk, naming triage', () => {
    const err = domainErrorOf(() =>
      decideIntake(
        request({ principal: principal(['community-staff'], '350206001001'), channel: 'desk', gridCode: GRID, triage: 'on_the_spot', evidenceCount: 1 }),
        catalogue,
      ),
    );
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['triage']);
  });

  it('keeps approval as chosen', () => {
    expect(decideIntake(request({ triage: 'approval' }), catalogue).triage).toBe('approval');
  });
});

describe('decideIntake: the Open311 channel', () => {
  const client = open311Reporter('fixmystreet', TIER);

  it('takes a report from an Open311 client as a member of the public, in any grid of the tier', () => {
    const decision = decideIntake(request({ principal: client, channel: 'open311', gridCode: GRID_OTHER_STREET }), catalogue);
    expect(decision.reporterRole).toBe(PUBLIC_REPORTER_ROLE);
    expect(decision.gridCode).toBe(GRID_OTHER_STREET);
    expect(decision.triage).toBe('coordination');
    expect(decision.attributes).toEqual({});
  });

  it('gives the client a pseudonymous subject without any realm role', () => {
    expect(client).toEqual({ subject: 'open311:fixmystreet', roles: [], orgUnit: TIER });
    expect(isOpen311Reporter(client)).toBe(true);
    expect(() => open311Reporter('Fix My Street', TIER)).toThrow(RangeError);
  });

  it('refuses a grid outside the tier', () => {
    const err = domainErrorOf(() => decideIntake(request({ principal: client, channel: 'open311', gridCode: GRID_OTHER_DISTRICT }), catalogue));
    expect(err.code).toBe('AUTH.OUT_OF_SCOPE');
  });

  it.each(ROLES.map((r) => [r]))('refuses a staff token (%s) on the Open311 channel', (role) => {
    const err = domainErrorOf(() => decideIntake(request({ principal: principal([role], GRID), channel: 'open311', gridCode: GRID }), catalogue));
    expect(err.code).toBe('AUTH.FORBIDDEN');
  });

  it('refuses a principal that only looks like a client: it has a role, or another subject', () => {
    for (const p of [{ ...client, roles: ['grid-worker' as const] }, { ...client, subject: 'open311:' }, { ...client, subject: 'sub-0001' }]) {
      expect(() => decideIntake(request({ principal: p, channel: 'open311', gridCode: GRID }), catalogue)).toThrow(expect.objectContaining({ code: 'AUTH.FORBIDDEN' }));
    }
  });

  it.each(['handheld', 'desk'] as const)('an Open311 client cannot use the %s channel (the role checks stay as they were)', (channel) => {
    const err = domainErrorOf(() => decideIntake(request({ principal: client, channel, gridCode: GRID }), catalogue));
    expect(err.code).toBe('AUTH.FORBIDDEN');
  });

  it('an Open311 client cannot close a report on the spot', () => {
    const err = domainErrorOf(() => decideIntake(request({ principal: client, channel: 'open311', gridCode: GRID, triage: 'on_the_spot', evidenceCount: 1 }), catalogue));
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['triage']);
  });

  it('checks the attributes when the channel sends them: required ones included, named in the error', () => {
    const base = { principal: client, channel: 'open311' as const, gridCode: GRID };
    expect(decideIntake(request({ ...base, categoryCode: 'BJ0110', attributes: { fault: ['dark'], pole_no: ['LD-7'] } }), catalogue).attributes).toEqual({ fault: 'dark', pole_no: 'LD-7' });
    const missing = domainErrorOf(() => decideIntake(request({ ...base, categoryCode: 'SJ0901', attributes: {} }), catalogue));
    expect(missing.fieldErrors.map((f) => f.field)).toEqual(['attributes.households']);
    // Staff channels do not collect attributes yet: a dispute reported at the desk needs none.
    expect(decideIntake(request({ principal: principal(['community-staff'], '350206001001'), channel: 'desk', gridCode: GRID, categoryCode: 'SJ0901' }), catalogue).attributes).toEqual({});
  });
});

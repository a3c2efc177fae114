import { aCaseReported, aCaseTransition } from '@gm/testing';
import { factsOf, inRemit, matches, retryDelayMs, type DepartmentRemit, type SubscriptionFilter } from './remit';

describe('a department remit and its subscriptions', () => {
  const water: DepartmentRemit = { code: 'water', categories: new Set(['SJ0301']), areas: ['350206001'] };
  const sub = (over: Partial<SubscriptionFilter> = {}): SubscriptionFilter => ({ id: 's', department: 'water', eventTypes: [], categories: [], areas: [], ...over });
  const reported = factsOf(aCaseReported({ categoryCode: 'SJ0301', gridCode: '350206001001-07' }));

  it("hears its own categories in its areas, not others' categories nor other areas", () => {
    expect(inRemit(water, reported, undefined)).toBe(true);
    expect(inRemit(water, { ...reported, categoryCode: 'SJ0101' }, undefined)).toBe(false);
    expect(inRemit(water, { ...reported, gridCode: '350206002001-01' }, undefined)).toBe(false);
  });

  it('hears every event of a case dispatched to it, whatever its category', () => {
    const other = { ...reported, categoryCode: 'SJ0101' };
    expect(inRemit(water, other, 'water')).toBe(true);
    expect(inRemit(water, other, 'urban-management')).toBe(false);
  });

  it('reads the dispatch target of an event', () => {
    const r = aCaseReported();
    expect(factsOf(aCaseTransition('dispatch', r.data, { assignee: { kind: 'department', code: 'water' } })).dispatchedTo).toBe('water');
    expect(factsOf(aCaseTransition('dispatch', r.data, { assignee: { kind: 'unit', code: '350206001001-07' } })).dispatchedTo).toBeNull();
    expect(factsOf(aCaseTransition('accept', r.data)).dispatchedTo).toBeUndefined();
    expect(factsOf(r).caseKey).toBe(r.data.caseId);
  });

  it('a work-order event reaches the department it is addressed to only, whatever its category or area', () => {
    const wo = { ...reported, type: 'gm.workorder.whistled.v1', addressedTo: 'water', categoryCode: 'SJ0101', gridCode: '350206009001-01' };
    expect(inRemit(water, wo, undefined)).toBe(true);
    expect(inRemit(water, { ...wo, addressedTo: 'urban-management' }, 'water')).toBe(false);
    expect(matches(sub({ eventTypes: ['gm.workorder.whistled.v1'] }), water, wo, undefined)).toBe(true);
    expect(matches(sub({ eventTypes: ['gm.case.reported.v1'] }), water, wo, undefined)).toBe(false);
  });

  it('a subscription narrows by type, category and area, and never reaches beyond the remit', () => {
    expect(matches(sub(), water, reported, undefined)).toBe(true);
    expect(matches(sub({ eventTypes: ['gm.case.closed.v1'] }), water, reported, undefined)).toBe(false);
    expect(matches(sub({ eventTypes: ['gm.case.reported.v1'] }), water, reported, undefined)).toBe(true);
    expect(matches(sub({ categories: ['SJ0302'] }), water, reported, undefined)).toBe(false);
    expect(matches(sub({ areas: ['350206001001'] }), water, reported, undefined)).toBe(true);
    expect(matches(sub({ areas: ['350206001002'] }), water, reported, undefined)).toBe(false);
    expect(matches(sub({ department: 'roads' }), water, reported, undefined)).toBe(false);
    expect(matches(sub(), water, { ...reported, gridCode: '350206002001-01' }, undefined)).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelayMs(30, 1000, 60_000, () => 1)).toBe(60_000);
    const spread = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, 1000, 60_000)));
    expect(spread.size).toBeGreaterThan(1);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(2000);
  });
});

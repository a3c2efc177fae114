import { KPI_INDICATORS } from '@gm/contracts';
import { KPI_COUNTER_KEYS, KPI_INDICATOR_INFO, addKpiCounters, emptyKpiCounters, hasKpiData, kpiFigures, sumKpiCounters, type KpiCounters } from './kpi';

function counters(overrides: Partial<KpiCounters>): KpiCounters {
  return { ...emptyKpiCounters(), ...overrides };
}

/** A month of a community: every counter different, so that a swapped field shows. */
const MONTH = counters({
  reported: 130,
  registered: 120,
  closed: 96,
  closedOnTime: 84,
  dispatched: 100,
  dispatchedOnTime: 95,
  reworked: 6,
  overdue: 15,
  urged: 4,
  ratingSum: 171,
  ratingCount: 40,
  handlingMinutesSum: 276_480,
  handlingCount: 96,
  patrols: 22,
  visits: 35,
  dataUpdates: 12,
});

describe('KPI counters', () => {
  it('start at zero in every field', () => {
    const empty = emptyKpiCounters();
    expect(Object.keys(empty).sort()).toEqual([...KPI_COUNTER_KEYS].sort());
    for (const key of KPI_COUNTER_KEYS) expect(empty[key]).toBe(0);
  });

  it('add field by field', () => {
    const a = counters({ reported: 3, closed: 2, ratingSum: 9, ratingCount: 2, handlingMinutesSum: 600, patrols: 1 });
    const b = counters({ reported: 4, closed: 1, ratingSum: 5, ratingCount: 1, handlingMinutesSum: 90, visits: 2 });
    expect(addKpiCounters(a, b)).toEqual(
      counters({
        reported: 7, // 3 + 4
        closed: 3, // 2 + 1
        ratingSum: 14, // 9 + 5
        ratingCount: 3, // 2 + 1
        handlingMinutesSum: 690, // 600 + 90
        patrols: 1, // 1 + 0
        visits: 2, // 0 + 2
      }),
    );
  });

  it('add every field, none forgotten', () => {
    // Each field i holds i + 1 in a and 100 × (i + 1) in b: the sum is 101 × (i + 1).
    const a = Object.fromEntries(KPI_COUNTER_KEYS.map((k, i) => [k, i + 1])) as unknown as KpiCounters;
    const b = Object.fromEntries(KPI_COUNTER_KEYS.map((k, i) => [k, 100 * (i + 1)])) as unknown as KpiCounters;
    const sum = addKpiCounters(a, b);
    KPI_COUNTER_KEYS.forEach((k, i) => expect(sum[k]).toBe(101 * (i + 1)));
  });

  it('sum over days; the sum of none is empty', () => {
    const days = [counters({ registered: 5, overdue: 1 }), counters({ registered: 7 }), counters({ registered: 2, overdue: 3 })];
    expect(sumKpiCounters(days)).toEqual(counters({ registered: 14 /* 5 + 7 + 2 */, overdue: 4 /* 1 + 0 + 3 */ }));
    expect(sumKpiCounters([])).toEqual(emptyKpiCounters());
  });
});

describe('KPI figures', () => {
  it('computes each figure of a month by its formula', () => {
    const f = kpiFigures(MONTH);
    expect(f.reported).toBe(130);
    expect(f.registered).toBe(120);
    expect(f.closed).toBe(96);
    expect(f.dispatched).toBe(100);
    expect(f.closureRate).toBeCloseTo(0.8, 12); // 96 / 120
    expect(f.onTimeClosureRate).toBeCloseTo(0.875, 12); // 84 / 96
    expect(f.onTimeDispatchRate).toBeCloseTo(0.95, 12); // 95 / 100
    expect(f.reworked).toBe(6);
    expect(f.reworkRate).toBeCloseTo(0.06, 12); // 6 / 100 dispatches (not 6 / 96 closes = 0.0625)
    expect(f.overdue).toBe(15);
    expect(f.urged).toBe(4);
    expect(f.satisfaction).toBeCloseTo(4.275, 12); // 171 / 40
    expect(f.ratings).toBe(40);
    expect(f.meanHandlingHours).toBeCloseTo(48, 12); // 276480 / 96 = 2880 minutes = 48 hours
    expect(f.patrols).toBe(22);
    expect(f.visits).toBe(35);
    expect(f.dataUpdates).toBe(12);
  });

  it('gives null, not 0 or NaN, for a rate or mean whose denominator is 0', () => {
    const f = kpiFigures(counters({ reported: 3, reworked: 2, ratingSum: 0, handlingMinutesSum: 0 }));
    expect(f.closureRate).toBeNull(); // 0 closed / 0 registered
    expect(f.onTimeClosureRate).toBeNull(); // 0 / 0 closed
    expect(f.onTimeDispatchRate).toBeNull(); // 0 / 0 dispatched
    expect(f.reworkRate).toBeNull(); // 2 reworked / 0 dispatched
    expect(f.satisfaction).toBeNull(); // 0 / 0 ratings
    expect(f.meanHandlingHours).toBeNull(); // 0 / 0 closes measured
    expect(f.reported).toBe(3);
  });

  it('gives 0, not null, for a rate whose numerator alone is 0', () => {
    const f = kpiFigures(counters({ registered: 10, closed: 4, dispatched: 8, handlingCount: 2 }));
    expect(f.closureRate).toBeCloseTo(0.4, 12); // 4 / 10
    expect(f.onTimeClosureRate).toBe(0); // 0 / 4
    expect(f.onTimeDispatchRate).toBe(0); // 0 / 8
    expect(f.reworkRate).toBe(0); // 0 / 8
    expect(f.meanHandlingHours).toBe(0); // 0 minutes / 2 closes
  });

  it('does not clip a closure rate above 1 (an older backlog closed this period)', () => {
    expect(kpiFigures(counters({ registered: 4, closed: 6 })).closureRate).toBeCloseTo(1.5, 12); // 6 / 4
  });

  it('computes the rates of summed counters, not the mean of daily rates', () => {
    // Day 1: 1 of 1 closed on time (100 %); day 2: 1 of 3 (33 %). Period: 2 / 4 = 0.5, not (1 + 1/3) / 2 = 0.667.
    const period = sumKpiCounters([counters({ closed: 1, closedOnTime: 1 }), counters({ closed: 3, closedOnTime: 1 })]);
    expect(kpiFigures(period).onTimeClosureRate).toBeCloseTo(0.5, 12);
  });

  it('describes every indicator of the contract, and computes each', () => {
    expect(Object.keys(KPI_INDICATOR_INFO).sort()).toEqual([...KPI_INDICATORS].sort());
    expect(Object.keys(kpiFigures(MONTH)).sort()).toEqual([...KPI_INDICATORS].sort());
  });

  it('tells a subject with no data from one with some', () => {
    expect(hasKpiData(kpiFigures(emptyKpiCounters()))).toBe(false);
    expect(hasKpiData(kpiFigures(counters({ patrols: 1 })))).toBe(true);
    // A rating with nothing else (a case closed last month, rated this month) is data.
    expect(hasKpiData(kpiFigures(counters({ ratingSum: 5, ratingCount: 1 })))).toBe(true);
    // Zero minutes over one close: the mean (0 h) exists.
    expect(hasKpiData(kpiFigures(counters({ handlingCount: 1 })))).toBe(true);
  });
});

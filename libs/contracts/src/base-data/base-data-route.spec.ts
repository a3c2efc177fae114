import { baseDataRecordSubject, baseDataRoute, baseDataRouteFilter } from './base-data';

describe('routes of base data records (ADR 0012)', () => {
  it("puts a grid's street and community in tokens of their own", () => {
    expect(baseDataRoute('350206001001-07')).toBe('350206001.350206001001.350206001001-07');
    expect(baseDataRecordSubject('350206', '350206001001-07', 'house', '350206001001-07-B001-0101')).toBe(
      'gm.350206.basedata.350206001.350206001001.350206001001-07.house.350206001001-07-B001-0101',
    );
  });

  it('gives an audit record no route, so that no filter of a subtree takes it down', () => {
    expect(baseDataRecordSubject('350206001001', '350206001001-07', 'pii-read', 'a1')).toBe('gm.350206001001.basedata.-.-.-.pii-read.a1');
  });

  it("filters a unit's subtree, and nothing else", () => {
    const matches = (filter: string, subject: string) => {
      const f = filter.split('.');
      const s = subject.split('.');
      return f.every((t, i) => t === '>' || t === '*' || t === s[i]) && (f.at(-1) === '>' ? s.length >= f.length : s.length === f.length);
    };
    const subject = baseDataRecordSubject('350206', '350206001001-07', 'resident', 'r1').split('.').slice(3).join('.');
    expect(['350206001', '350206001001', '350206001001-07'].map((u) => matches(baseDataRouteFilter(u), subject))).toEqual([true, true, true]);
    expect(['350206002', '350206001002', '350206001001-08'].map((u) => matches(baseDataRouteFilter(u), subject))).toEqual([false, false, false]);
    expect(() => baseDataRouteFilter('350206')).toThrow(RangeError);
    expect(() => baseDataRoute('350206001001')).toThrow(RangeError);
  });
});

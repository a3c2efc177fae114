import { ORG_LEVELS, OrgUnitCode, inSameCommunity, isWithinScope, ownerTierOf } from './org-unit-code';

// Synthetic codes in the style of the national division codes (Xiamen Huli district = 350206).
const DISTRICT = '350206';
const STREET = '350206001';
const COMMUNITY = '350206001001';
const GRID = '350206001001-07';

const code = (s: string) => OrgUnitCode.parse(s);
const values = (units: readonly OrgUnitCode[]) => units.map((u) => u.value);

describe('OrgUnitCode.parse', () => {
  it.each([
    [DISTRICT, 'district'],
    [STREET, 'street'],
    [COMMUNITY, 'community'],
    [GRID, 'grid'],
  ] as const)('accepts the canonical form %s as a %s', (input, level) => {
    const unit = code(input);
    expect(unit.value).toBe(input);
    expect(unit.toString()).toBe(input);
    expect(unit.level).toBe(level);
  });

  it('accepts the 14-digit form of a grid and canonicalises it with a hyphen', () => {
    const unit = code('35020600100107');
    expect(unit.value).toBe('350206001001-07');
    expect(unit.level).toBe('grid');
    expect(unit.equals(code(GRID))).toBe(true);
  });

  it('trims surrounding whitespace', () => {
    expect(code('  350206001 ').value).toBe(STREET);
    expect(code('\t35020600100107\n').value).toBe(GRID);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['5 digits', '35020'],
    ['7 digits', '3502060'],
    ['8 digits', '35020600'],
    ['10 digits', '3502060010'],
    ['11 digits', '35020600100'],
    ['13 digits', '3502060010010'],
    ['15 digits without hyphen', '350206001001070'],
    ['one-digit grid suffix', '350206001001-7'],
    ['three-digit grid suffix', '350206001001-007'],
    ['grid suffix on a street', '350206001-07'],
    ['grid suffix on a district', '350206-07'],
    ['trailing hyphen', '350206001001-'],
    ['en dash instead of hyphen', '350206001001–07'],
    ['letters', '35020A'],
    ['full-width digits', '３５０２０６'],
    ['inner space', '350206 001'],
    ['sign', '-350206'],
    ['case number', '350206-20261121-000042'],
  ])('rejects %s (%j) with a RangeError naming the input', (_label, input) => {
    expect(() => OrgUnitCode.parse(input)).toThrow(RangeError);
    expect(() => OrgUnitCode.parse(input)).toThrow(`Not an org unit code: "${input}"`);
    expect(OrgUnitCode.isValid(input)).toBe(false);
  });

  it('isValid is true for every accepted form', () => {
    for (const input of [DISTRICT, STREET, COMMUNITY, GRID, '35020600100107', ' 350206 ']) {
      expect(OrgUnitCode.isValid(input)).toBe(true);
    }
  });
});

describe('OrgUnitCode levels, parent and path', () => {
  it('lists the four levels top down', () => {
    expect(ORG_LEVELS).toEqual(['district', 'street', 'community', 'grid']);
  });

  it('gives each unit the unit one level up, and none to a district', () => {
    expect(code(GRID).parent?.value).toBe(COMMUNITY);
    expect(code(COMMUNITY).parent?.value).toBe(STREET);
    expect(code(STREET).parent?.value).toBe(DISTRICT);
    expect(code(DISTRICT).parent).toBeUndefined();
  });

  it('parents have the level above', () => {
    expect(code(GRID).parent?.level).toBe('community');
    expect(code(COMMUNITY).parent?.level).toBe('street');
    expect(code(STREET).parent?.level).toBe('district');
  });

  it('builds the path from the district down to the unit itself', () => {
    expect(values(code(GRID).path)).toEqual([DISTRICT, STREET, COMMUNITY, GRID]);
    expect(values(code(COMMUNITY).path)).toEqual([DISTRICT, STREET, COMMUNITY]);
    expect(values(code(STREET).path)).toEqual([DISTRICT, STREET]);
    expect(values(code(DISTRICT).path)).toEqual([DISTRICT]);
  });

  it('path levels follow ORG_LEVELS', () => {
    expect(code('35020600200312').path.map((u) => u.level)).toEqual([...ORG_LEVELS]);
  });

  it('equals compares values, whatever the input form', () => {
    expect(code('35020600100107').equals(code(' 350206001001-07'))).toBe(true);
    expect(code(GRID).equals(code('350206001001-08'))).toBe(false);
    expect(code(STREET).equals(code(DISTRICT))).toBe(false);
  });
});

describe('OrgUnitCode.contains', () => {
  it('contains itself', () => {
    for (const c of [DISTRICT, STREET, COMMUNITY, GRID]) expect(code(c).contains(code(c))).toBe(true);
  });

  it('contains every unit of its subtree, at any depth', () => {
    expect(code(DISTRICT).contains(code(STREET))).toBe(true);
    expect(code(DISTRICT).contains(code(COMMUNITY))).toBe(true);
    expect(code(DISTRICT).contains(code(GRID))).toBe(true);
    expect(code(STREET).contains(code(COMMUNITY))).toBe(true);
    expect(code(STREET).contains(code(GRID))).toBe(true);
    expect(code(COMMUNITY).contains(code(GRID))).toBe(true);
  });

  it('never contains an ancestor', () => {
    expect(code(GRID).contains(code(COMMUNITY))).toBe(false);
    expect(code(GRID).contains(code(DISTRICT))).toBe(false);
    expect(code(COMMUNITY).contains(code(STREET))).toBe(false);
    expect(code(STREET).contains(code(DISTRICT))).toBe(false);
  });

  it('does not contain siblings or their subtrees', () => {
    expect(code(STREET).contains(code('350206002'))).toBe(false);
    expect(code(STREET).contains(code('350206002001'))).toBe(false);
    expect(code(STREET).contains(code('350206002001-07'))).toBe(false);
    expect(code(COMMUNITY).contains(code('350206001002'))).toBe(false);
    expect(code(COMMUNITY).contains(code('350206001002-07'))).toBe(false);
    expect(code(GRID).contains(code('350206001001-08'))).toBe(false);
    expect(code(DISTRICT).contains(code('350203'))).toBe(false);
    expect(code(DISTRICT).contains(code('350203001001-07'))).toBe(false);
  });

  it('is not fooled by codes that share leading digits across levels', () => {
    // 350206001 (street 001) vs 350206010 (street 010): the street code is not a textual prefix.
    expect(code('350206001').contains(code('350206010'))).toBe(false);
    expect(code('350206001').contains(code('350206010001'))).toBe(false);
    // 3502060 is not a valid code, so "3502060010" cannot sneak in as a child of 350206001.
    expect(() => code('3502060010')).toThrow(RangeError);
    // Community 350206001001 vs grid 350206001001-07 vs community 350206001010.
    expect(code('350206001001').contains(code('350206001010'))).toBe(false);
    expect(code('350206001010').contains(code('350206001001-07'))).toBe(false);
    // A district whose digits start another district's code.
    expect(code('350206').contains(code('350200'))).toBe(false);
    expect(code('350200').contains(code('350206001'))).toBe(false);
  });

  it('works with the 14-digit form on either side', () => {
    expect(code(COMMUNITY).contains(code('35020600100107'))).toBe(true);
    expect(code('35020600100107').contains(code(GRID))).toBe(true);
    expect(code('35020600100207').contains(code(GRID))).toBe(false);
  });
});

describe('isWithinScope', () => {
  it('is true when the code lies in the scope', () => {
    expect(isWithinScope(DISTRICT, GRID)).toBe(true);
    expect(isWithinScope(STREET, COMMUNITY)).toBe(true);
    expect(isWithinScope(GRID, GRID)).toBe(true);
    expect(isWithinScope(COMMUNITY, '35020600100107')).toBe(true);
    expect(isWithinScope(' 350206 ', GRID)).toBe(true);
  });

  it('is false for ancestors and siblings', () => {
    expect(isWithinScope(GRID, COMMUNITY)).toBe(false);
    expect(isWithinScope(STREET, '350206002001-07')).toBe(false);
    expect(isWithinScope('350206001', '350206010001')).toBe(false);
  });

  it('is false, not an exception, when either side is invalid', () => {
    expect(isWithinScope('350206001', '3502060010')).toBe(false);
    expect(isWithinScope('3502060', '350206001')).toBe(false);
    expect(isWithinScope('', GRID)).toBe(false);
    expect(isWithinScope(DISTRICT, '')).toBe(false);
    expect(isWithinScope('35020', '350206001001-07')).toBe(false);
    expect(isWithinScope(DISTRICT, 'not-a-code')).toBe(false);
  });
});

describe('ownerTierOf', () => {
  it("names the grid's ancestor at the owner level, or the grid itself", () => {
    expect(ownerTierOf('350206001001-07', 'community')).toBe('350206001001');
    expect(ownerTierOf('350206001001-07', 'street')).toBe('350206001');
    expect(ownerTierOf('350206001001-07', 'district')).toBe('350206');
    expect(ownerTierOf('350206001001-07', 'grid')).toBe('350206001001-07');
  });

  it('refuses a code that is not a grid', () => {
    expect(() => ownerTierOf('350206001001', 'community')).toThrow(RangeError);
    expect(() => ownerTierOf('not-a-code', 'community')).toThrow(RangeError);
  });
});

describe('inSameCommunity: A/B posts cover within a community only', () => {
  it('pairs grids of one community, and a grid with its community', () => {
    expect(inSameCommunity('350206001001-07', '350206001001-08')).toBe(true);
    expect(inSameCommunity('350206001001-07', '350206001001')).toBe(true);
  });
  it('refuses another community, a unit above the communities, and what is not a code', () => {
    expect(inSameCommunity('350206001001-07', '350206001002-01')).toBe(false);
    expect(inSameCommunity('350206001', '350206001')).toBe(false);
    expect(inSameCommunity('350206001001-07', 'nonsense')).toBe(false);
  });
});

import { DomainError } from '@gm/contracts';
import { MAX_ATTRIBUTE_STRING, MAX_ATTRIBUTE_TEXT, checkAttributes, type RawAttributes } from './category-attributes';
import { ATTRIBUTE_DATATYPES, CategoryCatalogue, DEFAULT_CATALOGUE, DEFAULT_CATEGORIES, DEPARTMENT_NAMES, MAJOR_CLASSES, validateCatalogue, type Category, type CategoryAttribute } from './category-catalogue';

const attr = (code: string, overrides: Partial<CategoryAttribute> = {}): CategoryAttribute => ({
  code,
  datatype: 'string',
  required: false,
  descriptionZh: '样例',
  descriptionEn: 'Sample',
  order: 1,
  ...overrides,
});

const category = (attributes: CategoryAttribute[]): Category => ({
  code: 'SJ9901',
  family: 'event',
  nameZh: '样例',
  nameEn: 'Sample',
  ownerDepartment: 'test',
  defaultUrgency: 'normal',
  attributes,
});

const SAMPLE = category([
  attr('households', { datatype: 'number', required: true, integer: true, min: 1, max: 100, order: 1 }),
  attr('area_m2', { datatype: 'number', min: 0.5, order: 2 }),
  attr('pole_no', { datatype: 'string', order: 3 }),
  attr('details', { datatype: 'text', order: 4 }),
  attr('seen_at', { datatype: 'datetime', order: 5 }),
  attr('fault', { datatype: 'singlevaluelist', order: 6, values: [{ key: 'dark', nameZh: '不亮', nameEn: 'Not lit' }, { key: 'flicker', nameZh: '闪烁', nameEn: 'Flickering' }] }),
  attr('kinds', { datatype: 'multivaluelist', order: 7, values: [{ key: 'a', nameZh: '甲', nameEn: 'A' }, { key: 'b', nameZh: '乙', nameEn: 'B' }] }),
]);

/** The fields named by the validation error `raw` causes. */
function failingFields(raw: RawAttributes, c: Category = SAMPLE): string[] {
  try {
    checkAttributes(c, raw);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('REQUEST.VALIDATION_FAILED');
    return (err as DomainError).fieldErrors.map((f) => f.field);
  }
  throw new Error('expected a validation error');
}

describe('checkAttributes', () => {
  it('turns valid answers into typed values', () => {
    expect(
      checkAttributes(SAMPLE, {
        households: ['3'],
        area_m2: ['12.5'],
        pole_no: [' LD-0042 '],
        details: ['两户因漏水发生争执'],
        seen_at: ['2026-11-21T21:30:00+08:00'],
        fault: ['dark'],
        kinds: ['a', 'b', 'a'],
      }),
    ).toEqual({ households: 3, area_m2: 12.5, pole_no: 'LD-0042', details: '两户因漏水发生争执', seen_at: '2026-11-21T13:30:00.000Z', fault: 'dark', kinds: ['a', 'b'] });
  });

  it('leaves out optional attributes that were not answered, or answered with blanks', () => {
    expect(checkAttributes(SAMPLE, { households: ['1'], pole_no: ['  '], kinds: [] })).toEqual({ households: 1 });
  });

  it('names a missing required attribute', () => {
    expect(failingFields({})).toEqual(['attributes.households']);
    expect(failingFields({ households: [''] })).toEqual(['attributes.households']);
  });

  it('names an attribute the category does not define', () => {
    expect(failingFields({ households: ['1'], colour: ['red'] })).toEqual(['attributes.colour']);
  });

  it.each([
    ['not a number', { households: ['three'] }],
    ['a number with junk', { households: ['3 户'] }],
    ['a fraction where a whole number is needed', { households: ['2.5'] }],
    ['below the minimum', { households: ['0'] }],
    ['above the maximum', { households: ['101'] }],
    ['infinite', { households: ['1e999'] }],
    ['two values for a single-value attribute', { households: ['1', '2'] }],
  ])('refuses %s', (_label, raw) => {
    expect(failingFields(raw)).toEqual(['attributes.households']);
  });

  it('checks bounds of decimal numbers', () => {
    expect(failingFields({ households: ['1'], area_m2: ['0.4'] })).toEqual(['attributes.area_m2']);
    expect(checkAttributes(SAMPLE, { households: ['1'], area_m2: ['.5'] })).toEqual({ households: 1, area_m2: 0.5 });
  });

  it('limits the length of strings and texts', () => {
    expect(failingFields({ households: ['1'], pole_no: ['x'.repeat(MAX_ATTRIBUTE_STRING + 1)] })).toEqual(['attributes.pole_no']);
    expect(failingFields({ households: ['1'], details: ['x'.repeat(MAX_ATTRIBUTE_TEXT + 1)] })).toEqual(['attributes.details']);
    expect(checkAttributes(SAMPLE, { households: ['1'], details: ['x'.repeat(MAX_ATTRIBUTE_TEXT)] })['details']).toHaveLength(MAX_ATTRIBUTE_TEXT);
  });

  it.each(['2026-11-21', '2026-11-21T21:30:00', 'yesterday', '2026-13-40T25:00:00Z'])('refuses date-time %j (an offset is required)', (value) => {
    expect(failingFields({ households: ['1'], seen_at: [value] })).toEqual(['attributes.seen_at']);
  });

  it('accepts list values only among the keys', () => {
    expect(failingFields({ households: ['1'], fault: ['broken'] })).toEqual(['attributes.fault']);
    expect(failingFields({ households: ['1'], fault: ['dark', 'flicker'] })).toEqual(['attributes.fault']);
    expect(failingFields({ households: ['1'], kinds: ['a', 'c'] })).toEqual(['attributes.kinds']);
  });

  it('names every failing attribute at once, in display order, without echoing the values', () => {
    let caught: DomainError | undefined;
    try {
      checkAttributes(SAMPLE, { kinds: ['secret-value'], fault: ['14000138000'] });
    } catch (err) {
      caught = err as DomainError;
    }
    expect(caught?.fieldErrors.map((f) => f.field)).toEqual(['attributes.households', 'attributes.fault', 'attributes.kinds']);
    expect(JSON.stringify(caught?.fieldErrors)).not.toContain('14000138000');
    expect(JSON.stringify(caught?.fieldErrors)).not.toContain('secret-value');
    expect(caught?.message).toMatch(/^attributes\.households: /);
  });

  it('a category without attributes accepts no answers, and an empty set of answers', () => {
    const plain = DEFAULT_CATEGORIES.find((c) => c.code === 'BJ0101')!;
    expect(checkAttributes(plain, {})).toEqual({});
    expect(failingFields({ anything: ['x'] }, plain)).toEqual(['attributes.anything']);
  });
});

describe('category definitions', () => {
  it('the default catalogue loads (its attribute definitions are well formed)', () => {
    expect(() => new CategoryCatalogue()).not.toThrow();
  });

  it('ships attributes for a street lamp, illegal construction and disputes', () => {
    const codes = (code: string) => (DEFAULT_CATEGORIES.find((c) => c.code === code)?.attributes ?? []).map((a) => a.code);
    expect(codes('BJ0110')).toEqual(expect.arrayContaining(['pole_no', 'fault']));
    expect(codes('SJ0102')).toEqual(expect.arrayContaining(['floors', 'area_m2']));
    expect(codes('SJ0901')).toContain('households');
    const all = DEFAULT_CATEGORIES.flatMap((c) => c.attributes ?? []);
    for (const datatype of ATTRIBUTE_DATATYPES) expect(all.some((a) => a.datatype === datatype)).toBe(true);
    for (const a of all) {
      expect(a.descriptionZh).toMatch(/[\u4e00-\u9fff]/);
      expect(a.descriptionEn.trim()).not.toBe('');
    }
  });

  it.each<[string, Partial<CategoryAttribute>[]]>([
    ['a bad attribute code', [{ code: 'Pole No' }]],
    ['a duplicate attribute code', [{ code: 'a' }, { code: 'a' }]],
    ['a list without values', [{ code: 'a', datatype: 'singlevaluelist' }]],
    ['values on a string', [{ code: 'a', values: [{ key: 'x', nameZh: '甲', nameEn: 'X' }] }]],
    ['duplicate value keys', [{ code: 'a', datatype: 'multivaluelist', values: [{ key: 'x', nameZh: '甲', nameEn: 'X' }, { key: 'x', nameZh: '乙', nameEn: 'Y' }] }]],
    ['bounds on a string', [{ code: 'a', min: 1 }]],
    ['min above max', [{ code: 'a', datatype: 'number', min: 5, max: 1 }]],
    ['order 0', [{ code: 'a', order: 0 }]],
  ])('the catalogue refuses %s', (_label, attributes) => {
    expect(() => new CategoryCatalogue([category(attributes.map((a) => attr(a.code ?? 'a', a)))])).toThrow(/SJ9901/);
  });

  it('names the major class of every default category', () => {
    const catalogue = new CategoryCatalogue();
    for (const c of DEFAULT_CATEGORIES) expect(catalogue.majorClassOf(c.code)?.code).toBe(c.code.slice(0, 4));
    expect(new Set(MAJOR_CLASSES.map((m) => m.code)).size).toBe(MAJOR_CLASSES.length);
    expect(catalogue.majorClassOf('SJ9999')).toBeUndefined();
  });

  it('names the owner department of every default category, Chinese first', () => {
    for (const c of DEFAULT_CATEGORIES) expect(DEPARTMENT_NAMES[c.ownerDepartment]?.zh).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('validateCatalogue', () => {
  const doc = () => JSON.parse(JSON.stringify(DEFAULT_CATALOGUE)) as { categories: Category[]; majorClasses: { code: string; nameZh: string; nameEn: string }[]; departments: Record<string, { zh: string; en: string }> };
  const fieldsOf = (d: ReturnType<typeof doc>) => {
    try {
      validateCatalogue(d);
    } catch (err) {
      return (err as { fieldErrors: { field: string }[] }).fieldErrors.map((f) => f.field);
    }
    throw new Error('expected a validation error');
  };

  it('accepts the default catalogue and answers names from it', () => {
    const c = validateCatalogue(doc());
    expect(c.list()).toHaveLength(DEFAULT_CATEGORIES.length);
    expect(c.majorClassOf('SJ0901')?.nameEn).toBe('Mediation');
    expect(c.departmentName('gas')?.zh).toBe('燃气部门');
    expect(c.departmentName('toString')).toBeUndefined();
  });

  it('names a repeated code, a missing major class, an unknown department and a bad attribute', () => {
    const d = doc();
    const n = d.categories.length;
    d.categories.push({ ...d.categories[0]! });
    d.categories.push({ code: 'SJ9901', family: 'event', nameZh: '测试', nameEn: 'Test', ownerDepartment: 'gas', defaultUrgency: 'normal' });
    d.categories.push({ code: 'SJ0199', family: 'event', nameZh: '测试', nameEn: 'Test', ownerDepartment: 'nobody', defaultUrgency: 'normal' });
    d.categories.push({
      code: 'SJ0198',
      family: 'event',
      nameZh: '测试',
      nameEn: 'Test',
      ownerDepartment: 'gas',
      defaultUrgency: 'normal',
      attributes: [{ code: 'kind', datatype: 'singlevaluelist', required: true, descriptionZh: '类型', descriptionEn: 'Kind', order: 1 }],
    });
    expect(fieldsOf(d)).toEqual([`categories.${n}.code`, `categories.${n + 1}.code`, `categories.${n + 2}.ownerDepartment`, `categories.${n + 3}.attributes`]);
  });
});

import { z } from 'zod';
import { DomainError, ERROR_CODES, ERROR_MESSAGES, toFieldErrors, validate } from '../errors/error-codes';
import { reportCaseBodySchema } from './report-case';

const body = (overrides: Record<string, unknown> = {}) => ({
  categoryCode: 'SJ0101',
  description: '小区东门有暴露垃圾',
  location: { latitude: 24.4798, longitude: 118.0894 },
  ...overrides,
});

/** Field errors of a failed parse, as toFieldErrors reports them. */
function fieldErrorsOf(value: unknown) {
  const result = reportCaseBodySchema.safeParse(value);
  expect(result.success).toBe(false);
  return result.success ? [] : toFieldErrors(result.error.issues);
}

const fieldsOf = (value: unknown) => fieldErrorsOf(value).map((f) => f.field);

describe('reportCaseBodySchema', () => {
  it('accepts a minimal report', () => {
    expect(reportCaseBodySchema.parse(body())).toEqual(body());
  });

  it('accepts a full report', () => {
    const full = body({
      location: { latitude: 24.4798, longitude: 118.0894, accuracy: 12.5 },
      address: '莲前西路 100 号',
      gridCode: '350206001001-07',
      urgency: 'urgent',
      occurredAt: '2026-11-21T09:30:00+08:00',
      clientId: '0f8fd3b1-3c1b-4b8e-9a2c-5d6e7f809142',
    });
    expect(reportCaseBodySchema.parse(full)).toEqual(full);
  });

  it.each([
    [-90, -180],
    [90, 180],
    [0, 0],
  ])('accepts the position bounds (%d, %d)', (latitude, longitude) => {
    expect(reportCaseBodySchema.safeParse(body({ location: { latitude, longitude } })).success).toBe(true);
  });

  it.each([90.000001, -90.000001, 180])('rejects latitude %d, naming location.latitude', (latitude) => {
    const errors = fieldErrorsOf(body({ location: { latitude, longitude: 118 } }));
    expect(errors).toEqual([{ field: 'location.latitude', message: 'latitude must be between -90 and 90' }]);
  });

  it.each([180.000001, -180.000001, 360])('rejects longitude %d, naming location.longitude', (longitude) => {
    const errors = fieldErrorsOf(body({ location: { latitude: 24, longitude } }));
    expect(errors).toEqual([{ field: 'location.longitude', message: 'longitude must be between -180 and 180' }]);
  });

  it('names both coordinates when both are out of range, and missing ones too', () => {
    expect(fieldsOf(body({ location: { latitude: 100, longitude: 200 } }))).toEqual(['location.latitude', 'location.longitude']);
    expect(fieldsOf(body({ location: {} }))).toEqual(['location.latitude', 'location.longitude']);
    expect(fieldsOf(body({ location: { latitude: '24.5', longitude: 118 } }))).toEqual(['location.latitude']);
  });

  it('rejects a negative or huge accuracy', () => {
    expect(fieldsOf(body({ location: { latitude: 24, longitude: 118, accuracy: -1 } }))).toEqual(['location.accuracy']);
    expect(fieldsOf(body({ location: { latitude: 24, longitude: 118, accuracy: 10_001 } }))).toEqual(['location.accuracy']);
  });

  it('names every missing required field', () => {
    expect(fieldsOf({})).toEqual(['categoryCode', 'description', 'location']);
  });

  it('rejects unknown top-level keys (strict), naming each as the field', () => {
    const errors = fieldErrorsOf(body({ reporterPhone: '13812345678', isAdmin: true }));
    expect(errors.map((e) => e.field)).toEqual(['reporterPhone', 'isAdmin']);
    expect(errors[0]?.message).toContain('reporterPhone');
    expect(errors[1]?.message).toContain('isAdmin');
  });

  it('rejects a bad category code', () => {
    expect(fieldsOf(body({ categoryCode: 'XX0101' }))).toEqual(['categoryCode']);
    expect(fieldsOf(body({ categoryCode: 'sj0101' }))).toEqual(['categoryCode']);
    expect(fieldsOf(body({ categoryCode: 'SJ01011' }))).toEqual(['categoryCode']);
  });

  it('rejects a bad grid code, urgency and occurredAt', () => {
    expect(fieldsOf(body({ gridCode: '350206001001-7' }))).toEqual(['gridCode']);
    expect(fieldsOf(body({ urgency: 'critical' }))).toEqual(['urgency']);
    expect(fieldsOf(body({ occurredAt: '2026-11-21 09:30' }))).toEqual(['occurredAt']);
  });

  describe('clientId', () => {
    it.each(['abcdefgh', 'A_b-1234', '0f8fd3b1-3c1b-4b8e-9a2c-5d6e7f809142', 'x'.repeat(64)])('accepts %j', (clientId) => {
      expect(reportCaseBodySchema.safeParse(body({ clientId })).success).toBe(true);
    });

    it.each([
      ['7 characters', 'abcdefg'],
      ['65 characters', 'x'.repeat(65)],
      ['a dot', 'abcd.efgh'],
      ['a space', 'abcd efgh'],
      ['a slash', 'abcd/efgh'],
      ['non-ASCII', '客户端编号一二三四'],
      ['empty', ''],
    ])('rejects %s', (_label, clientId) => {
      const errors = fieldErrorsOf(body({ clientId }));
      expect(errors.map((e) => e.field)).toEqual(['clientId']);
      expect(errors[0]?.message).toContain('clientId must be 8–64');
    });
  });

  describe('description', () => {
    it('is trimmed', () => {
      expect(reportCaseBodySchema.parse(body({ description: '  \n 井盖缺失\t ' })).description).toBe('井盖缺失');
    });

    it.each(['', '   ', '\n\t'])('must not be empty after trimming (%j)', (description) => {
      expect(fieldErrorsOf(body({ description }))).toEqual([{ field: 'description', message: 'description must not be empty' }]);
    });

    it('may be 2000 characters long, counted after trimming', () => {
      const max = '字'.repeat(2000);
      expect(reportCaseBodySchema.parse(body({ description: max })).description).toBe(max);
      expect(reportCaseBodySchema.parse(body({ description: `   ${max}   ` })).description).toBe(max);
    });

    it('may not be 2001 characters long', () => {
      expect(fieldErrorsOf(body({ description: 'a'.repeat(2001) }))).toEqual([
        { field: 'description', message: 'description must be at most 2000 characters' },
      ]);
    });
  });

  it('trims the address and limits it to 200 characters', () => {
    expect(reportCaseBodySchema.parse(body({ address: '  1号楼  ' })).address).toBe('1号楼');
    expect(fieldsOf(body({ address: 'a'.repeat(201) }))).toEqual(['address']);
  });
});

describe('toFieldErrors', () => {
  it('joins path segments with dots', () => {
    expect(toFieldErrors([{ message: 'bad', path: ['location', 'latitude'] }])).toEqual([{ field: 'location.latitude', message: 'bad' }]);
  });

  it('turns array indices into segments', () => {
    expect(toFieldErrors([{ message: 'bad', path: ['items', 0, 'name'] }])).toEqual([{ field: 'items.0.name', message: 'bad' }]);
  });

  it('accepts standard-schema path segments ({ key })', () => {
    expect(toFieldErrors([{ message: 'bad', path: [{ key: 'location' }, { key: 'longitude' }] }])).toEqual([
      { field: 'location.longitude', message: 'bad' },
    ]);
    expect(toFieldErrors([{ message: 'bad', path: ['list', { key: 3 }] }])).toEqual([{ field: 'list.3', message: 'bad' }]);
  });

  it('prefixes every field when asked', () => {
    expect(
      toFieldErrors(
        [
          { message: 'a', path: ['caseId'] },
          { message: 'b', path: ['location', 'latitude'] },
        ],
        'data',
      ),
    ).toEqual([
      { field: 'data.caseId', message: 'a' },
      { field: 'data.location.latitude', message: 'b' },
    ]);
  });

  it('names the whole body when there is no path', () => {
    expect(toFieldErrors([{ message: 'bad' }])).toEqual([{ field: '(body)', message: 'bad' }]);
    expect(toFieldErrors([{ message: 'bad', path: [] }])).toEqual([{ field: '(body)', message: 'bad' }]);
    expect(toFieldErrors([{ message: 'bad', path: undefined }])).toEqual([{ field: '(body)', message: 'bad' }]);
  });

  it('uses the prefix alone when there is no path', () => {
    expect(toFieldErrors([{ message: 'bad', path: [] }], 'data')).toEqual([{ field: 'data', message: 'bad' }]);
  });

  it('keeps one error per issue, in order', () => {
    expect(toFieldErrors([])).toEqual([]);
    expect(toFieldErrors([{ message: '1', path: ['b'] }, { message: '2', path: ['a'] }]).map((f) => f.message)).toEqual(['1', '2']);
  });
});

describe('validate', () => {
  it('returns the parsed value (with transforms applied)', () => {
    const parsed = validate(reportCaseBodySchema, body({ description: '  路灯不亮  ' }));
    expect(parsed.description).toBe('路灯不亮');
  });

  it('throws REQUEST.VALIDATION_FAILED naming each field', () => {
    let caught: unknown;
    try {
      validate(reportCaseBodySchema, body({ categoryCode: 'bad', location: { latitude: 91, longitude: 0 } }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const err = caught as DomainError;
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.fieldErrors.map((f) => f.field)).toEqual(['categoryCode', 'location.latitude']);
    expect(err.message).toBe(`categoryCode: ${err.fieldErrors[0]?.message}`);
  });

  it('prefixes fields when asked', () => {
    expect(() => validate(z.object({ n: z.number() }), { n: 'x' }, 'report')).toThrow(
      expect.objectContaining({ code: 'REQUEST.VALIDATION_FAILED', fieldErrors: [expect.objectContaining({ field: 'report.n' })] }),
    );
  });

  it('does not echo the rejected value in the message', () => {
    expect(() => validate(z.object({ phone: z.string().regex(/^\d{3}$/) }), { phone: '13812345678' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('13812345678') }),
    );
  });
});

describe('DomainError', () => {
  it('defaults the message to the English text of the code', () => {
    expect(new DomainError('CASE.NOT_FOUND').message).toBe(ERROR_MESSAGES['CASE.NOT_FOUND'].en);
    expect(new DomainError('CASE.NOT_FOUND').fieldErrors).toEqual([]);
    expect(new DomainError('CASE.NOT_FOUND').name).toBe('DomainError');
  });

  it('validation() without field errors uses the generic message', () => {
    const err = DomainError.validation([]);
    expect(err.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(err.message).toBe(ERROR_MESSAGES['REQUEST.VALIDATION_FAILED'].en);
  });
});

describe('ERROR_MESSAGES', () => {
  it('has exactly the ERROR_CODES as keys', () => {
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('has unique codes', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it.each(ERROR_CODES.map((c) => [c]))('%s has a Chinese and an English message', (code) => {
    const m = ERROR_MESSAGES[code];
    expect(m.zh.trim()).not.toBe('');
    expect(m.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(m.en.trim()).not.toBe('');
    expect(m.en).toMatch(/^[\x20-\x7e]+$/);
  });
});

import { DomainError } from '@gm/contracts';
import { assertJsonDepth, assertStorable, jsonDepthExceeds, unstorable, unstorableFields } from './json-body';

describe('JSON bodies the platform refuses before a handler sees them', () => {
  it('counts nesting without parsing, skipping brackets inside strings and escaped quotes', () => {
    expect(jsonDepthExceeds('[[[1]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[1]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":"[[[[[[[[","b":{"c":"\\"[[[["}}', 2)).toBe(false);
    expect(jsonDepthExceeds(`${'['.repeat(5000)}${']'.repeat(5000)}`)).toBe(true);
    expect(() => assertJsonDepth(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`)).toThrow(DomainError);
  });

  it('finds NUL and lone surrogates with their paths; a proper surrogate pair (an emoji) is fine', () => {
    expect(unstorable('ok 🙂 中文')).toBeUndefined();
    expect(unstorable('a\u0000b')).toMatch(/NUL/);
    expect(unstorable('x\ud800')).toMatch(/surrogate/);
    expect(unstorable('\udc00x')).toMatch(/surrogate/);
    expect(unstorableFields({ description: 'a\u0000', location: { note: 'fine' }, tags: ['ok', '\ud800'] }).map((p) => p.field).sort()).toEqual(['description', 'tags.1']);
    expect(unstorableFields({ ['bad\u0000key']: 1 }).map((p) => p.field)).toEqual(['bad\u0000key']);
    expect(() => assertStorable({ a: { b: ['\u0000'] } })).toThrow(expect.objectContaining({ code: 'REQUEST.VALIDATION_FAILED' }));
    expect(() => assertStorable({ a: 'fine' })).not.toThrow();
  });
});

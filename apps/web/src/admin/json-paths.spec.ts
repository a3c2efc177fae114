import { describe, expect, it } from '@jest/globals';
import { lineOf, lineRange, linesOfPaths } from './json-paths';

const TEXT = JSON.stringify({ grades: { excellent: 90, good: 80 }, deadlines: [{ step: 'accept', minutes: 120 }, { step: 'handle', minutes: 1260 }], note: 'a "quoted" } value' }, null, 2);

describe('linesOfPaths', () => {
  it('finds the line of each member and array element, by the dotted paths the API names fields with', () => {
    const lines = linesOfPaths(TEXT)!;
    const lineWith = (needle: string) => TEXT.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lines.get('grades.good')).toBe(lineWith('"good"'));
    expect(lines.get('deadlines.1.minutes')).toBe(lineWith('1260'));
    expect(lines.get('deadlines.1')).toBe(lineWith('"handle"') - 1);
    expect(lines.get('note')).toBe(lineWith('"note"'));
  });

  it('reads compact JSON (one line) and braces inside strings', () => {
    const lines = linesOfPaths('{"a":{"b":[1,{"c":"}"}]},"d":2}')!;
    expect([...lines.keys()]).toEqual(['a', 'a.b', 'a.b.0', 'a.b.1', 'a.b.1.c', 'd']);
  });

  it('gives nothing for text that is not JSON', () => {
    expect(linesOfPaths('{"a": 1,}')).toBeUndefined();
  });
});

describe('lineOf', () => {
  it('falls back to the nearest enclosing path the text has (a missing member is reported at its parent)', () => {
    const lines = linesOfPaths(TEXT);
    expect(lineOf(lines, 'grades.pass')).toBe(lines!.get('grades'));
    expect(lineOf(lines, '(body)')).toBeUndefined();
    expect(lineOf(undefined, 'grades')).toBeUndefined();
  });
});

describe('lineRange', () => {
  it('gives the offsets of a line, without its line break', () => {
    const text = 'one\ntwo\nthree';
    expect(lineRange(text, 2)).toEqual([4, 7]);
    expect(text.slice(...lineRange(text, 3))).toBe('three');
  });
});

import { describe, expect, it } from '@jest/globals';
import type { CaseMapFeature } from '../shared/api/types';
import { caseDiff } from './case-diff';

const point = (id: string, state = 'reported', lon = 118.1): CaseMapFeature =>
  ({
    type: 'Feature',
    id,
    geometry: { type: 'Point', coordinates: [lon, 24.5] },
    properties: { caseNo: `no-${id}`, state, categoryCode: 'SJ0101', urgency: 'normal', gridCode: '350206001001-01', light: 'green', reportedAt: '2026-12-06T08:00:00Z', deadlineAt: null, yellowAt: null, summary: null, ownerTier: null },
  }) as CaseMapFeature;

describe('caseDiff', () => {
  it('finds nothing to send when the points are the same, also as new objects (a refetch)', () => {
    const prev = [point('a'), point('b')];
    expect(caseDiff(prev, prev)).toEqual({ remove: [], add: [] });
    expect(caseDiff(prev, [point('b'), point('a')])).toEqual({ remove: [], add: [] });
  });

  it('adds a new case, replaces a changed one (state or place), and removes one that left', () => {
    const prev = [point('a'), point('b'), point('c')];
    const next = [point('new'), point('a', 'accepted'), point('b', 'reported', 118.2)];
    const diff = caseDiff(prev, next);
    expect(diff.add.map((f) => f.id)).toEqual(['new', 'a', 'b']);
    expect(diff.remove.sort()).toEqual(['a', 'b', 'c']);
  });
});

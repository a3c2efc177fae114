import { describe, expect, it } from '@jest/globals';
import { isInside, metresBetween, trackLength, type GridGeometry } from './geo';

describe('the handheld\'s geometry on the device', () => {
  const square: GridGeometry = {
    type: 'Polygon',
    coordinates: [
      [[118, 24], [118.01, 24], [118.01, 24.01], [118, 24.01], [118, 24]],
      [[118.004, 24.004], [118.006, 24.004], [118.006, 24.006], [118.004, 24.006], [118.004, 24.004]],
    ],
  };

  it('places a point inside the grid, outside it, and in a hole of it', () => {
    expect(isInside({ longitude: 118.002, latitude: 24.002 }, square)).toBe(true);
    expect(isInside({ longitude: 118.02, latitude: 24.002 }, square)).toBe(false);
    expect(isInside({ longitude: 118.005, latitude: 24.005 }, square)).toBe(false);
  });

  it('handles a grid of several parts', () => {
    const multi: GridGeometry = { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]] };
    expect(isInside({ longitude: 5.5, latitude: 5.5 }, multi)).toBe(true);
    expect(isInside({ longitude: 3, latitude: 3 }, multi)).toBe(false);
  });

  it('measures distances on the sphere: 0.01° of latitude is about 1.11 km', () => {
    expect(metresBetween({ latitude: 24, longitude: 118 }, { latitude: 24.01, longitude: 118 })).toBeCloseTo(1112, -1);
    expect(trackLength([{ latitude: 24, longitude: 118 }, { latitude: 24.01, longitude: 118 }, { latitude: 24.01, longitude: 118.01 }])).toBeCloseTo(1112 + 1016, -1);
  });
});

import { distanceM } from './geo';

describe('distanceM', () => {
  it('is zero for one point and symmetric', () => {
    const p = { latitude: 24.48, longitude: 118.09 };
    expect(distanceM(p, p)).toBe(0);
    const q = { latitude: 24.49, longitude: 118.1 };
    expect(distanceM(p, q)).toBeCloseTo(distanceM(q, p), 6);
  });

  it('measures a thousandth of a degree of latitude as about 111 m', () => {
    expect(distanceM({ latitude: 24.48, longitude: 118.09 }, { latitude: 24.481, longitude: 118.09 })).toBeGreaterThan(110);
    expect(distanceM({ latitude: 24.48, longitude: 118.09 }, { latitude: 24.481, longitude: 118.09 })).toBeLessThan(112);
  });
});

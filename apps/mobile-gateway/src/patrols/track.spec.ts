import { trackLengthM } from './track';

describe('the length of a patrol track', () => {
  it('is 0 for no step, and adds the steps walked', () => {
    expect(trackLengthM([])).toBe(0);
    expect(trackLengthM([{ longitude: 118.1, latitude: 24.5 }])).toBe(0);
    // One minute of latitude is one nautical mile (1,852 m) to within the sphere's approximation.
    const north = trackLengthM([
      { longitude: 118.1, latitude: 24.5 },
      { longitude: 118.1, latitude: 24.5 + 1 / 60 },
    ]);
    expect(north).toBeGreaterThan(1845);
    expect(north).toBeLessThan(1860);
    // There and back is twice as long, whatever the order of the calls.
    const back = trackLengthM([
      { longitude: 118.1, latitude: 24.5 },
      { longitude: 118.1, latitude: 24.5 + 1 / 60 },
      { longitude: 118.1, latitude: 24.5 },
    ]);
    expect(back).toBeCloseTo(2 * north, 6);
  });
});

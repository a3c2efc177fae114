import { GridIndex, type GridGeometry } from './grid-index';

const rect = (code: string, x0: number, y0: number, x1: number, y1: number): GridGeometry => ({
  code,
  geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] },
});

describe('GridIndex', () => {
  // Two columns of two grids; -02 is to the right of -01, -03 above -01.
  const index = new GridIndex([
    rect('350206001001-02', 118.1, 24.5, 118.2, 24.55),
    rect('350206001001-01', 118.0, 24.5, 118.1, 24.55),
    rect('350206001001-03', 118.0, 24.55, 118.1, 24.6),
    rect('350206001001-04', 118.1, 24.55, 118.2, 24.6),
  ]);

  it('finds the grid of an interior point', () => {
    expect(index.locate(118.05, 24.52)).toBe('350206001001-01');
    expect(index.locate(118.15, 24.58)).toBe('350206001001-04');
  });

  it('gives a point on a shared edge to the lowest code, whichever side it is approached from', () => {
    expect(index.locate(118.1, 24.52)).toBe('350206001001-01');
    expect(index.locate(118.05, 24.55)).toBe('350206001001-01');
    expect(index.locate(118.15, 24.55)).toBe('350206001001-02');
  });

  it('gives the corner shared by four grids to the lowest code', () => {
    expect(index.locate(118.1, 24.55)).toBe('350206001001-01');
  });

  it('covers the outer boundary of the district', () => {
    expect(index.locate(118.0, 24.5)).toBe('350206001001-01');
    expect(index.locate(118.2, 24.6)).toBe('350206001001-04');
  });

  it('answers undefined outside every grid and for nonsense input', () => {
    expect(index.locate(117.99, 24.52)).toBeUndefined();
    expect(index.locate(118.05, 24.61)).toBeUndefined();
    expect(index.locate(Number.NaN, 24.52)).toBeUndefined();
  });

  it('respects holes', () => {
    const donut = new GridIndex([
      {
        code: '350206001001-09',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
          ],
        },
      },
    ]);
    expect(donut.locate(2, 2)).toBe('350206001001-09');
    expect(donut.locate(5, 5)).toBeUndefined();
    expect(donut.locate(4, 5)).toBe('350206001001-09');
  });

  it('handles MultiPolygons', () => {
    const multi = new GridIndex([
      { code: '350206001001-10', geometry: { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]] } },
    ]);
    expect(multi.locate(5.5, 5.5)).toBe('350206001001-10');
    expect(multi.locate(3, 3)).toBeUndefined();
  });
});

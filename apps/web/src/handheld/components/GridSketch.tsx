import { useTranslation } from 'react-i18next';
import type { Fix, GridGeometry } from '../geo';

const SIZE = 240;
const PAD = 16;

/**
 * The worker's grid drawn from the polygon kept on the device, with where the phone is and how
 * sure it is: a map that needs no tiles and no network. North is up; the scale is the grid's.
 */
export function GridSketch({ geometry, fix }: { geometry: GridGeometry; fix: Fix | undefined }) {
  const { t } = useTranslation();
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  const points = rings.flat() as readonly (readonly number[])[];
  const lons = points.map((p) => p[0]!);
  const lats = points.map((p) => p[1]!);
  if (fix) {
    lons.push(fix.longitude);
    lats.push(fix.latitude);
  }
  const [w, e, s, n] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  // Metres per degree at this latitude, so that the drawing keeps the grid's proportions.
  const kx = Math.cos(((s + n) / 2) * (Math.PI / 180));
  const span = Math.max((e - w) * kx, n - s) || 1e-6;
  const scale = (SIZE - 2 * PAD) / span;
  // Centred in the square: the shorter side gets the margin.
  const dx = (SIZE - (e - w) * kx * scale) / 2;
  const dy = (SIZE - (n - s) * scale) / 2;
  const x = (lon: number) => dx + (lon - w) * kx * scale;
  const y = (lat: number) => dy + (n - lat) * scale;
  const path = rings.map((r) => r.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]!).toFixed(1)},${y(p[1]!).toFixed(1)}`).join(' ') + ' Z').join(' ');
  const metresPerPx = 111_320 / scale;
  return (
    <svg className="hh-sketch" viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={t('hh.location.sketch')}>
      <path d={path} fill="rgba(18, 58, 107, 0.12)" stroke="#123a6b" strokeWidth={2} fillRule="evenodd" />
      {fix && (
        <>
          <circle cx={x(fix.longitude)} cy={y(fix.latitude)} r={Math.max(4, fix.accuracy / metresPerPx)} fill="rgba(240, 160, 32, 0.25)" stroke="#d48806" />
          <circle cx={x(fix.longitude)} cy={y(fix.latitude)} r={5} fill="#d4380d" stroke="#fff" strokeWidth={2} />
        </>
      )}
    </svg>
  );
}

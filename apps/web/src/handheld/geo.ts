/** A GPS fix as the handheld keeps it. */
export interface Fix {
  readonly latitude: number;
  readonly longitude: number;
  /** Metres (68 %), as the phone reports it. */
  readonly accuracy: number;
  readonly at: string;
}

type Ring = readonly (readonly number[])[];
export type GridGeometry = { readonly type: 'Polygon'; readonly coordinates: readonly Ring[] } | { readonly type: 'MultiPolygon'; readonly coordinates: readonly (readonly Ring[])[] };

function inRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(x: number, y: number, rings: readonly Ring[]): boolean {
  const [outer, ...holes] = rings;
  return !!outer && inRing(x, y, outer) && !holes.some((h) => inRing(x, y, h));
}

/** Whether a point lies in the grid (its polygon as cached on the device): even–odd rule, holes excluded. */
export function isInside(point: { latitude: number; longitude: number }, geometry: GridGeometry): boolean {
  const { longitude: x, latitude: y } = point;
  return geometry.type === 'Polygon' ? inPolygon(x, y, geometry.coordinates) : geometry.coordinates.some((p) => inPolygon(x, y, p));
}

/** Great-circle distance in metres (haversine on the mean Earth radius: good to 0.5 % at a grid's scale). */
export function metresBetween(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The length of a track, metres. */
export function trackLength(points: readonly { latitude: number; longitude: number }[]): number {
  let d = 0;
  for (let i = 1; i < points.length; i++) d += metresBetween(points[i - 1]!, points[i]!);
  return d;
}

/** One fix from the phone's GPS (high accuracy), or the reason there is none. */
export function currentFix(timeoutMs = 15_000): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) return reject(new Error('no-geolocation'));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy, at: new Date(p.timestamp || Date.now()).toISOString() }),
      (e) => reject(new Error(e.code === e.PERMISSION_DENIED ? 'denied' : e.code === e.TIMEOUT ? 'timeout' : 'unavailable')),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 },
    );
  });
}

/**
 * What map-load puts into the browser: the instrumentation every measured page gets before its own
 * scripts run, and the bare MapLibre page of the baseline. Both are plain JavaScript text (the
 * bench compiles without the DOM's types, and the browser runs them as they are).
 */

/**
 * Records, in `window.__t6` and in page time (ms since navigation start):
 * - `ready`: when the map's container first shows `data-state="ready"` (the console's own signal);
 * - `mapAt`, `loadAt`: the MapLibre map constructed, its style loaded;
 * - `setData`: every GeoJSON source's `setData` (and `addSource` with data) with its feature count, and
 *   every `updateData` with the number of features its diff adds, removes or updates (`diff: true`);
 * - `idles`: every `idle` of the map;
 * - `longTasks`: main-thread tasks over 50 ms.
 * The console's map instance is found from its container through React's fiber (the component keeps
 * it in a ref); the baseline page hands its map to `__t6hook` itself. Nothing in the page changes.
 */
export const INSTRUMENT = `(() => {
  if (window.__t6) return;
  const T = (window.__t6 = { ready: null, mapAt: null, loadAt: null, setData: [], idles: [], longTasks: [], hooked: false });
  try { performance.setResourceTimingBufferSize(2000); } catch {}
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) T.longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const SOURCES = ['streets', 'communities', 'grids', 'cases', 'cases-heat', 'workers', 'street-labels', 'community-labels', 'grid-labels'];
  const count = (d) => (d && typeof d === 'object' && Array.isArray(d.features) ? d.features.length : typeof d === 'string' ? -2 : -1);
  const wrapSource = (id, s) => {
    if (!s || s.__t6 || typeof s.setData !== 'function') return;
    s.__t6 = true;
    const orig = s.setData;
    s.setData = function (d, ...rest) { T.setData.push({ id, t: performance.now(), n: count(d) }); return orig.call(this, d, ...rest); };
    if (typeof s.updateData === 'function') {
      const origUpdate = s.updateData;
      s.updateData = function (diff, ...rest) {
        T.setData.push({ id, t: performance.now(), n: (diff?.add?.length ?? 0) + (diff?.remove?.length ?? 0) + (diff?.update?.length ?? 0), diff: true });
        return origUpdate.call(this, diff, ...rest);
      };
    }
  };
  const hook = (map) => {
    if (!map || map.__t6) return;
    map.__t6 = true;
    T.hooked = true;
    T.mapAt = performance.now();
    window.__t6map = map;
    const addSource = map.addSource;
    map.addSource = function (id, spec, ...rest) {
      const r = addSource.call(this, id, spec, ...rest);
      if (SOURCES.includes(id)) {
        if (spec && spec.data !== undefined) T.setData.push({ id, t: performance.now(), n: count(spec.data), add: true });
        wrapSource(id, this.getSource(id));
      }
      return r;
    };
    map.on('load', () => { T.loadAt = performance.now(); });
    map.on('idle', () => T.idles.push(performance.now()));
  };
  window.__t6hook = hook;
  const findMap = () => {
    const el = document.querySelector('.maplibregl-map');
    if (!el) return undefined;
    const key = Object.keys(el).find((k) => k.startsWith('__reactFiber$'));
    for (let f = key ? el[key] : undefined; f; f = f.return) {
      for (let h = f.memoizedState; h && typeof h === 'object' && 'next' in h; h = h.next) {
        const v = h.memoizedState;
        if (v && typeof v === 'object' && v.current && typeof v.current.getSource === 'function' && typeof v.current.on === 'function') return v.current;
      }
    }
    return undefined;
  };
  const watch = () => {
    const mo = new MutationObserver(() => {
      if (T.ready === null) {
        const el = document.querySelector('[data-state="ready"]');
        if (el) { T.ready = performance.now(); performance.mark('t6.ready'); }
      }
      if (!T.hooked) hook(findMap());
    });
    mo.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'class'] });
  };
  if (document.documentElement) watch(); else document.addEventListener('readystatechange', watch, { once: true });
})();`;

/** What the bench reads back after a run (all times in ms since the page's navigation start). */
export const READ_BACK = `(() => {
  const T = window.__t6 || {};
  const nav = performance.getEntriesByType('navigation')[0];
  const map = window.__t6map;
  return {
    timeOrigin: performance.timeOrigin,
    now: performance.now(),
    ready: T.ready ?? null,
    mapAt: T.mapAt ?? null,
    loadAt: T.loadAt ?? null,
    setData: T.setData ?? [],
    idles: T.idles ?? [],
    longTasks: T.longTasks ?? [],
    mapLoaded: map ? map.loaded() : null,
    zoom: map ? map.getZoom() : null,
    container: (() => { const el = document.querySelector('.maplibregl-map'); if (!el) return null; const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })(),
    nav: nav ? { responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd } : null,
    resources: performance.getEntriesByType('resource').map((e) => ({ name: e.name, start: e.startTime, responseStart: e.responseStart, end: e.responseEnd, size: e.encodedBodySize, type: e.initiatorType })),
  };
})()`;

/**
 * The console's map layers (apps/web/src/map/CaseMapView.tsx at 59cbef8), for the bare page to add
 * alike; labels come from point sources, one point per unit (`labelsOf` there, `labels` below).
 */
export const CONSOLE_LAYERS: readonly Record<string, unknown>[] = [
  { id: 'grid-fill', type: 'fill', source: 'grids', minzoom: 12, paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.35 } },
  { id: 'grid-line', type: 'line', source: 'grids', minzoom: 12, paint: { 'line-color': '#7a8ea6', 'line-width': 0.8 } },
  { id: 'community-fill', type: 'fill', source: 'communities', maxzoom: 12, paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.3 } },
  { id: 'community-line', type: 'line', source: 'communities', paint: { 'line-color': '#42658c', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.8, 14, 2] } },
  { id: 'street-line', type: 'line', source: 'streets', paint: { 'line-color': '#1f4e8c', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1.5, 14, 3.5] } },
  { id: 'street-label', type: 'symbol', source: 'street-labels', maxzoom: 12, layout: { 'text-field': ['get', 'name'], 'text-size': 14 }, paint: { 'text-color': '#1f4e8c', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
  { id: 'community-label', type: 'symbol', source: 'community-labels', minzoom: 11.5, maxzoom: 14, layout: { 'text-field': ['get', 'name'], 'text-size': 12 }, paint: { 'text-color': '#2c4a6b', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
  { id: 'grid-label', type: 'symbol', source: 'grid-labels', minzoom: 14, layout: { 'text-field': ['get', 'name'], 'text-size': 11 }, paint: { 'text-color': '#45566a', 'text-halo-color': '#fff', 'text-halo-width': 1 } },
  {
    id: 'case-clusters',
    type: 'circle',
    source: 'cases',
    filter: ['has', 'point_count'],
    paint: {
      'circle-color': ['step', ['get', 'point_count'], '#5b8ff9', 20, '#f0a020', 100, '#d4380d'],
      'circle-radius': ['step', ['get', 'point_count'], 14, 20, 18, 100, 24],
      'circle-stroke-color': '#fff',
      'circle-stroke-width': 2,
    },
  },
  { id: 'case-cluster-count', type: 'symbol', source: 'cases', filter: ['has', 'point_count'], layout: { 'text-field': ['get', 'point_count_abbreviated'], 'text-size': 12 }, paint: { 'text-color': '#fff' } },
  {
    id: 'case-points',
    type: 'circle',
    source: 'cases',
    filter: ['!', ['has', 'point_count']],
    paint: {
      'circle-color': ['match', ['get', 'light'], 'green', '#2e9d4f', 'yellow', '#f0a020', 'red', '#d4380d', '#8c8c8c'],
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 5, 16, 9],
      'circle-stroke-color': ['match', ['get', 'urgency'], 'emergency', '#820014', '#ffffff'],
      'circle-stroke-width': ['match', ['get', 'urgency'], 'emergency', 3, 1.5],
    },
  },
];

/** Layers of the "all grids at once" page: every grid polygon, filled and outlined, at any zoom. */
export const ALL_GRID_LAYERS: readonly Record<string, unknown>[] = [
  { id: 'grid-fill', type: 'fill', source: 'grids', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.35 } },
  { id: 'grid-line', type: 'line', source: 'grids', paint: { 'line-color': '#7a8ea6', 'line-width': 0.8 } },
];

export interface BarePageSpec {
  /** GeoJSON files under /data/<set>/, by source id (streets, communities, grids, cases). */
  readonly files: Readonly<Record<string, string>>;
  readonly layers: readonly Record<string, unknown>[];
  /** The console's map container, so that the view (and the work) is the same. */
  readonly width: number;
  readonly height: number;
  /**
   * Hand MapLibre the files' URLs instead of parsed objects: its worker fetches and parses them
   * (off the main thread, nothing cloned across), fitted to `fit` [w, s, e, n].
   */
  readonly byUrl?: { readonly fit: readonly [number, number, number, number] };
}

/**
 * The baseline: a bare page with nothing but MapLibre (the same build, from node_modules), the same
 * style, sources and layers as the console, fed the same GeoJSON bytes (fetched in parallel, parsed
 * by `Response.json()` on the main thread, handed to `addSource` as the console hands them to
 * `setData`), fitted to the same box with the same padding; `data-state="ready"` at the first `idle`
 * once every source has its data.
 */
export function barePage(spec: BarePageSpec): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>bare MapLibre</title>
<link rel="stylesheet" href="/maplibre/maplibre-gl.css">
<style>html,body{margin:0;padding:0} #map{position:absolute;left:0;top:0;width:${spec.width}px;height:${spec.height}px}</style>
</head><body><div id="map" data-state="loading"></div>
<script type="module">
import { Map, setWorkerUrl } from '/maplibre/maplibre-gl.mjs';
setWorkerUrl('/maplibre/maplibre-gl-worker.mjs');
const files = ${JSON.stringify(spec.files)};
const layers = ${JSON.stringify(spec.layers)};
const byUrl = ${JSON.stringify(spec.byUrl ?? null)};
const data = byUrl
  ? Promise.resolve(Object.entries(files).map(([id, url]) => [id, new URL(url, location.href).href]))
  : Promise.all(Object.entries(files).map(([id, url]) => fetch(url).then((r) => r.json()).then((d) => [id, d])));
const map = new Map({
  container: 'map',
  style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef2f4' } }] },
  center: [118.14, 24.5],
  zoom: 11,
  attributionControl: false,
  localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif",
});
window.__t6hook && window.__t6hook(map);
// One label point per unit: the middle of the box of its largest ring (as the console places them).
const labels = (fc) => ({
  type: 'FeatureCollection',
  features: fc.features.map((f) => {
    const rings = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const main = rings.reduce((a, b) => ((b[0]?.length ?? 0) > (a[0]?.length ?? 0) ? b : a));
    let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
    for (const [x, y] of main[0]) { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); }
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [(w + e) / 2, (s + n) / 2] }, properties: { name: f.properties.name, code: f.properties.code } };
  }),
});
map.on('load', async () => {
  const got = Object.fromEntries(await data);
  for (const [layer, label] of [['streets', 'street-labels'], ['communities', 'community-labels'], ['grids', 'grid-labels']]) {
    if (got[layer] && !got[label] && layers.some((l) => l.source === label)) got[label] = byUrl ? new URL(files[layer].slice(0, files[layer].lastIndexOf('/') + 1) + label + '.geojson', location.href).href : labels(got[layer]);
  }
  for (const [id, d] of Object.entries(got)) map.addSource(id, id === 'cases' ? { type: 'geojson', data: d, cluster: true, clusterRadius: 45, clusterMaxZoom: 15 } : { type: 'geojson', data: d });
  for (const l of layers) if (got[l.source]) map.addLayer(l);
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  if (byUrl) [w, s, e, n] = byUrl.fit;
  else {
    const area = got.communities?.features.length ? got.communities : got.grids?.features.length ? got.grids : got.streets;
    const visit = (c) => { if (typeof c[0] === 'number') { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); } else c.forEach(visit); };
    for (const f of area.features) visit(f.geometry.coordinates);
  }
  const wide = map.getContainer().clientWidth > 900;
  map.fitBounds([w, s, e, n], { padding: { top: 40, bottom: 40, right: 60, left: wide ? 400 : 40 }, duration: 0 });
  map.once('idle', () => { document.getElementById('map').dataset.state = 'ready'; });
});
</script></body></html>`;
}

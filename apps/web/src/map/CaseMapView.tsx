import { useEffect, useRef, useState } from 'react';
import { Map as MapLibre, NavigationControl, ScaleControl, setWorkerUrl, type GeoJSONSource, type MapGeoJSONFeature, type StyleSpecification } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { GeoJSON, Point } from 'geojson';
import type { CaseMap, CaseMapFeature, Layer, WorkerPositions } from '../shared/api/types';
import { caseDiff } from './case-diff';
import { LIGHT_COLOURS } from '../shared/case-labels';

export interface MapLayers {
  readonly streets?: Layer | undefined;
  readonly communities?: Layer | undefined;
  readonly grids?: Layer | undefined;
  readonly cases?: CaseMap | undefined;
  readonly workers?: WorkerPositions | undefined;
}

export interface CaseMapViewProps {
  readonly layers: MapLayers;
  readonly heat: boolean;
  readonly showWorkers: boolean;
  readonly selectedGrid?: string | undefined;
  readonly label: string;
  readonly onGridClick: (code: string) => void;
  readonly onCaseClick: (id: string) => void;
  /** The view moved (zoom and box), e.g. to load the grids of the box when zoomed in. */
  readonly onView?: (view: { zoom: number; bbox: [number, number, number, number] }) => void;
  /** Called once the map has drawn the caller's boundaries and cases and is idle (T6 measures this). */
  readonly onReady?: () => void;
}

/** No external tiles, fonts or sprites: a plain background, the platform's own layers on top, labels drawn with local fonts. */
const STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef2f4' } }],
};

const EMPTY = { type: 'FeatureCollection' as const, features: [] };

// MapLibre's worker is a file of its own, served with the console (no CDN).
setWorkerUrl(workerUrl);

/**
 * 一张图: the caller's subtree on a MapLibre map — street, community and grid boundaries (by zoom),
 * open cases coloured by light and clustered when zoomed out (or as a heat map), workers' last
 * positions. Plain GeoJSON sources from the platform's own services.
 */
export function CaseMapView(props: CaseMapViewProps) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<MapLibre | undefined>(undefined);
  const drawn = useRef<DrawnState>({ loaded: false, sent: new Map(), fitted: false, selected: undefined });
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const m = new MapLibre({
      container: container.current!,
      style: STYLE,
      center: [118.14, 24.5],
      zoom: 11,
      attributionControl: false,
      // CJK labels drawn with the device's own fonts (no glyph server on a closed network).
      localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif",
    });
    map.current = m;
    m.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    m.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    m.on('load', () => {
      for (const id of ['streets', 'communities', 'grids', 'workers', 'street-labels', 'community-labels', 'grid-labels']) m.addSource(id, { type: 'geojson', data: EMPTY });
      m.addSource('cases', { type: 'geojson', data: EMPTY, cluster: true, clusterRadius: 45, clusterMaxZoom: 15 });
      m.addSource('cases-heat', { type: 'geojson', data: EMPTY });

      m.addLayer({ id: 'grid-fill', type: 'fill', source: 'grids', minzoom: 12, paint: { 'fill-color': ['case', ['boolean', ['feature-state', 'selected'], false], '#1f4e8c', '#ffffff'], 'fill-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 0.18, 0.35] } });
      m.addLayer({ id: 'grid-line', type: 'line', source: 'grids', minzoom: 12, paint: { 'line-color': '#7a8ea6', 'line-width': 0.8 } });
      m.addLayer({ id: 'community-fill', type: 'fill', source: 'communities', maxzoom: 12, paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.3 } });
      m.addLayer({ id: 'community-line', type: 'line', source: 'communities', paint: { 'line-color': '#42658c', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.8, 14, 2] } });
      m.addLayer({ id: 'street-line', type: 'line', source: 'streets', paint: { 'line-color': '#1f4e8c', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1.5, 14, 3.5] } });
      m.addLayer({ id: 'street-label', type: 'symbol', source: 'street-labels', maxzoom: 12, layout: { 'text-field': ['get', 'name'], 'text-size': 14 }, paint: { 'text-color': '#1f4e8c', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
      m.addLayer({ id: 'community-label', type: 'symbol', source: 'community-labels', minzoom: 11.5, maxzoom: 14, layout: { 'text-field': ['get', 'name'], 'text-size': 12 }, paint: { 'text-color': '#2c4a6b', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } });
      m.addLayer({ id: 'grid-label', type: 'symbol', source: 'grid-labels', minzoom: 14, layout: { 'text-field': ['get', 'name'], 'text-size': 11 }, paint: { 'text-color': '#45566a', 'text-halo-color': '#fff', 'text-halo-width': 1 } });

      m.addLayer({ id: 'cases-heat', type: 'heatmap', source: 'cases-heat', layout: { visibility: 'none' }, paint: { 'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 10, 12, 16, 30], 'heatmap-opacity': 0.75 } });
      m.addLayer({
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
      });
      m.addLayer({ id: 'case-cluster-count', type: 'symbol', source: 'cases', filter: ['has', 'point_count'], layout: { 'text-field': ['get', 'point_count_abbreviated'], 'text-size': 12 }, paint: { 'text-color': '#fff' } });
      m.addLayer({
        id: 'case-points',
        type: 'circle',
        source: 'cases',
        filter: ['!', ['has', 'point_count']],
        paint: {
          'circle-color': ['match', ['get', 'light'], 'green', LIGHT_COLOURS.green, 'yellow', LIGHT_COLOURS.yellow, 'red', LIGHT_COLOURS.red, LIGHT_COLOURS.none],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 5, 16, 9],
          'circle-stroke-color': ['match', ['get', 'urgency'], 'emergency', '#820014', '#ffffff'],
          'circle-stroke-width': ['match', ['get', 'urgency'], 'emergency', 3, 1.5],
        },
      });
      m.addLayer({ id: 'workers', type: 'circle', source: 'workers', paint: { 'circle-color': '#722ed1', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
      m.addLayer({ id: 'worker-label', type: 'symbol', source: 'workers', minzoom: 13, layout: { 'text-field': ['get', 'username'], 'text-size': 11, 'text-offset': [0, 1.2] }, paint: { 'text-color': '#531dab', 'text-halo-color': '#fff', 'text-halo-width': 1 } });
      // A cluster's count stays readable when a worker stands on it.
      m.moveLayer('case-cluster-count');

      m.on('click', 'case-clusters', (e) => {
        const f = e.features?.[0];
        const id = f?.properties?.['cluster_id'] as number | undefined;
        if (id === undefined || !f) return;
        void (m.getSource('cases') as GeoJSONSource).getClusterExpansionZoom(id).then((zoom) => m.easeTo({ center: (f.geometry as Point).coordinates as [number, number], zoom }));
      });
      m.on('click', 'case-points', (e) => {
        const id = e.features?.[0]?.id;
        if (id !== undefined) latest.current.onCaseClick(String(id));
      });
      m.on('click', 'grid-fill', (e) => {
        if (m.queryRenderedFeatures(e.point, { layers: ['case-points', 'case-clusters'] }).length > 0) return;
        const code = (e.features?.[0] as MapGeoJSONFeature | undefined)?.properties?.['code'] as string | undefined;
        if (code) latest.current.onGridClick(code);
      });
      for (const layer of ['case-points', 'case-clusters', 'grid-fill']) {
        m.on('mouseenter', layer, () => (m.getCanvas().style.cursor = 'pointer'));
        m.on('mouseleave', layer, () => (m.getCanvas().style.cursor = ''));
      }
      const report = () => {
        const b = m.getBounds();
        latest.current.onView?.({ zoom: m.getZoom(), bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] });
      };
      m.on('moveend', report);
      drawn.current.loaded = true;
      sync(m, latest.current, drawn.current);
      report();
    });
    return () => {
      map.current = undefined;
      m.remove();
    };
  }, []);

  useEffect(() => {
    // Not isStyleLoaded(): it is false while a source is busy with earlier data, and this update would be lost.
    const m = map.current;
    if (m && drawn.current.loaded) sync(m, props, drawn.current);
  }, [props.layers.streets, props.layers.communities, props.layers.grids, props.layers.cases, props.layers.workers, props.heat, props.showWorkers, props.selectedGrid]);

  // The first idle after both the boundaries and the cases are on the map: interactive with its data.
  // `data-state="ready"` says so to whoever waits for it (the T6 benchmark, tests).
  const [ready, setReady] = useState(false);
  const hasData = props.layers.cases !== undefined && (props.layers.grids !== undefined || props.layers.communities !== undefined || props.layers.streets !== undefined);
  useEffect(() => {
    const m = map.current;
    if (ready || !hasData || !m) return;
    const done = () => {
      setReady(true);
      latest.current.onReady?.();
    };
    m.once('idle', done);
    return () => void m.off('idle', done);
  }, [hasData, ready]);

  return <div ref={container} className="gm-map" role="region" aria-label={props.label} data-state={ready ? 'ready' : 'loading'} />;
}

/** What has been done to the map already: fitted to the caller's area once, which grid is highlighted. */
interface DrawnState {
  /** The sources and layers exist (the style's load event came). */
  loaded: boolean;
  /** What each source was last given. */
  sent: Map<string, object | undefined>;
  fitted: boolean;
  selected: string | undefined;
}

function sync(m: MapLibre, p: CaseMapViewProps, drawn: DrawnState): void {
  // A source gets new data only when its layer changed (10,000 grids are not sent to the worker again on a click).
  const set = (id: string, from: object | undefined, data: () => unknown) => {
    if (drawn.sent.get(id) === from) return;
    drawn.sent.set(id, from);
    (m.getSource(id) as GeoJSONSource | undefined)?.setData((from ? data() : EMPTY) as GeoJSON);
  };
  const { streets, communities, grids, cases, workers } = p.layers;
  set('streets', streets, () => streets);
  set('communities', communities, () => communities);
  set('grids', grids, () => grids && { ...grids, features: grids.features.map((f, i) => ({ ...f, id: i + 1 })) });
  // One label per unit, at the middle of its largest ring's box (a polygon cut by tiles would get one per piece).
  set('street-labels', streets, () => labelsOf(streets));
  set('community-labels', communities, () => labelsOf(communities));
  set('grid-labels', grids, () => labelsOf(grids));
  setCases(m, drawn, 'cases', cases);
  // The heat map's source is fed only while it is shown (10,000 cases are not sent to the worker twice).
  setCases(m, drawn, 'cases-heat', p.heat ? cases : undefined);
  set('workers', workers, () => workers && { type: 'FeatureCollection', features: workers.items.map((w) => ({ type: 'Feature', geometry: w.location, properties: { username: w.username, subject: w.subject } })) });
  m.setLayoutProperty('cases-heat', 'visibility', p.heat ? 'visible' : 'none');
  for (const l of ['case-clusters', 'case-cluster-count', 'case-points']) m.setLayoutProperty(l, 'visibility', p.heat ? 'none' : 'visible');
  for (const l of ['workers', 'worker-label']) m.setLayoutProperty(l, 'visibility', p.showWorkers ? 'visible' : 'none');

  // Highlight the selected grid (feature ids are the features' places in the layer).
  if (drawn.selected !== p.selectedGrid) {
    (grids?.features ?? []).forEach((f, i) => m.setFeatureState({ source: 'grids', id: i + 1 }, { selected: f.properties.code === p.selectedGrid }));
    drawn.selected = p.selectedGrid;
  }
  // The first time there are boundaries: fit the caller's area.
  const area = p.layers.communities?.features.length ? p.layers.communities : p.layers.grids?.features.length ? p.layers.grids : p.layers.streets;
  if (!drawn.fitted && area && area.features.length > 0) {
    const box = bboxOf(area);
    if (box) {
      // Leave room for the filter panel on the left of a wide screen.
      const wide = m.getContainer().clientWidth > 900;
      m.fitBounds(box, { padding: { top: 40, bottom: 40, right: 60, left: wide ? 400 : 40 }, duration: 0 });
      drawn.fitted = true;
    }
  }
}

/**
 * Cases change a few at a time (the live feed): the source gets only what changed (MapLibre's
 * `updateData`, by feature id), not all 10,000 points again; a new list that differs in more than
 * a fifth of its points, or the first one, is sent whole.
 */
function setCases(m: MapLibre, drawn: DrawnState, id: string, next: { features: readonly CaseMapFeature[] } | undefined): void {
  const prev = drawn.sent.get(id) as { features: readonly CaseMapFeature[] } | undefined;
  if (prev === next) return;
  drawn.sent.set(id, next);
  const source = m.getSource(id) as GeoJSONSource | undefined;
  if (!source) return;
  const diff = prev && next ? caseDiff(prev.features, next.features) : undefined;
  if (diff && diff.remove.length + diff.add.length <= Math.max(50, next!.features.length / 5)) {
    if (diff.remove.length + diff.add.length > 0) void source.updateData(diff as unknown as Parameters<GeoJSONSource['updateData']>[0]);
  } else {
    void source.setData((next ?? EMPTY) as unknown as GeoJSON);
  }
}

function labelsOf(layer: Layer | undefined): unknown {
  if (!layer) return EMPTY;
  const features = layer.features.map((f) => {
    const rings = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    // The largest polygon of the unit (by the number of points of its outer ring, which is cheap and good enough here).
    const main = rings.reduce((a, b) => ((b[0]?.length ?? 0) > (a[0]?.length ?? 0) ? b : a));
    const box = bboxOf({ features: [{ geometry: { type: 'Polygon', coordinates: main } }] })!;
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2] }, properties: { name: f.properties.name, code: f.properties.code } };
  });
  return { type: 'FeatureCollection', features };
}

export function bboxOf(layer: { features: readonly { geometry: { type: string; coordinates: unknown } }[] }): [number, number, number, number] | undefined {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    } else if (Array.isArray(c)) for (const x of c) visit(x);
  };
  for (const f of layer.features) visit(f.geometry.coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : undefined;
}

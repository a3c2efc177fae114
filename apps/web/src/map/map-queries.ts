import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../shared/api/client';
import type { CaseMap, Layer, WorkerPositions } from '../shared/api/types';
import { hasService } from '../shared/config/runtime-config';

export interface MapFilters {
  readonly category?: string | undefined;
  readonly light?: 'green' | 'yellow' | 'red' | undefined;
  readonly state?: readonly string[] | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** One level of boundaries of the caller's subtree (gis), simplified for the zoom it is shown at. */
export function useLayer(level: 'street' | 'community' | 'grid', scope: string, enabled: boolean, bbox?: readonly number[]) {
  return useQuery<Layer>({
    queryKey: ['layer', level, scope, bbox?.map((n) => n.toFixed(3)).join(',') ?? 'all'],
    enabled: enabled && hasService('gis'),
    staleTime: 10 * 60_000,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.gis.GET('/api/v1/layers/{level}', {
          params: { path: { level }, query: { unit: scope, zoom: level === 'grid' ? 15 : 13, ...(bbox && { bbox: bbox.map((n) => n.toFixed(5)).join(',') }) } },
        }),
      ) as Promise<Layer>,
  });
}

/** Open cases of the caller's subtree as map points (command-centre's read model), kept current by the live feed. */
export function useMapCases(scope: string, f: MapFilters) {
  return useQuery<CaseMap>({
    queryKey: ['map', 'cases', scope, f],
    refetchInterval: 60_000,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.hub.GET('/api/v1/map/cases', {
          params: {
            query: {
              unit: scope,
              ...(f.category && { category: f.category }),
              ...(f.light && { light: f.light }),
              ...(f.state && f.state.length > 0 && { state: f.state.join(',') }),
              ...(f.from && { from: f.from }),
              ...(f.to && { to: f.to }),
            },
          },
        }),
      ) as Promise<CaseMap>,
  });
}

export function useWorkerPositions(scope: string, enabled: boolean) {
  return useQuery<WorkerPositions>({
    queryKey: ['workers', scope],
    enabled,
    // Positions are not on the live feed: a patrol is followed every few seconds.
    refetchInterval: 5_000,
    queryFn: () => unwrap(api.hub.GET('/api/v1/workers/positions', { params: { query: { unit: scope } } })),
  });
}

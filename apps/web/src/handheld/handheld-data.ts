import { queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../shared/api/client';
import type { CasePage, CaseRules, CaseView, GeoJson, Timeline } from '../shared/api/types';
import type { paths as BaseData } from '../shared/api/generated/base-data';
import type { paths as Gis } from '../shared/api/generated/gis';
import type { Json } from '../shared/api/types';
import { gateway, readThrough, type DutyView, type PatrolView, type TaskPage } from './handheld-api';
import type { GridGeometry } from './geo';

export type Category = CaseRules['categories'][number];
export type HouseholdPage = Json<BaseData['/api/v1/households']['get']>;
export type HouseholdItem = HouseholdPage['items'][number];
export type Household = Json<BaseData['/api/v1/households/{code}']['get']>;
type UnitFeature = GeoJson<Gis['/api/v1/units/{code}']['get']>;

/**
 * What the handheld reads, each kept on the device as it is read (IndexedDB) so that the app opens
 * and works without the network: the category catalogue, the worker's grid (its polygon), its
 * households, the worker's tasks and cases.
 */
const offlineFirst = { networkMode: 'always', retry: 0, staleTime: 60_000 } as const;

export function useCategories() {
  return useQuery<Category[]>({
    ...offlineFirst,
    staleTime: 10 * 60_000,
    queryKey: ['categories'],
    queryFn: () => readThrough('case-rules', async () => (await unwrap(api.cases.GET('/api/v1/case-rules'))).categories),
  });
}

export interface GridShape {
  readonly code: string;
  readonly name: string;
  readonly geometry: GridGeometry;
}

export function useGrid(gridCode: string) {
  return useQuery(gridQuery(gridCode));
}

/** The grids the worker covers now (A/B posts), their polygons kept like the worker's own. */
export function useCoveredGrids(owner: string): GridShape[] {
  const duty = useDuty(owner);
  const codes = (duty.data?.covering ?? []).map((h) => h.gridCode);
  return useQueries({ queries: codes.map((code) => gridQuery(code)) })
    .map((q) => q.data)
    .filter((g): g is GridShape => !!g);
}

function gridQuery(gridCode: string) {
  return queryOptions<GridShape | null>({
    ...offlineFirst,
    staleTime: 60 * 60_000,
    queryKey: ['grid', gridCode],
    enabled: /-\d{2}$/.test(gridCode),
    queryFn: () =>
      readThrough(`grid:${gridCode}`, async () => {
        const f = (await unwrap(api.gis.GET('/api/v1/units/{code}', { params: { path: { code: gridCode } } }))) as UnitFeature;
        const g = f.geometry as unknown as GridGeometry | null;
        return g && (g.type === 'Polygon' || g.type === 'MultiPolygon') ? { code: gridCode, name: String((f.properties as { name?: string } | undefined)?.name ?? gridCode), geometry: g } : null;
      }),
  });
}

/** Every household of the grid (a grid holds a few hundred): fetched page by page, searched on the device. */
export function useHouseholds(gridCode: string) {
  return useQuery<HouseholdItem[]>({
    ...offlineFirst,
    staleTime: 30 * 60_000,
    queryKey: ['households', gridCode],
    enabled: /-\d{2}$/.test(gridCode),
    queryFn: () =>
      readThrough(`households:${gridCode}`, async () => {
        const all: HouseholdItem[] = [];
        let cursor: string | undefined;
        do {
          const page: HouseholdPage = await unwrap(api.baseData.GET('/api/v1/households', { params: { query: { unit: gridCode, limit: 200, ...(cursor && { cursor }) } } }));
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor && all.length < 5000);
        return all;
      }),
  });
}

/** A household with its members (for a move out, a death, a focus person), kept once opened. */
export function useHousehold(code: string | undefined) {
  return useQuery<Household>({
    ...offlineFirst,
    queryKey: ['household', code],
    enabled: !!code,
    queryFn: () => readThrough(`household:${code}`, () => unwrap(api.baseData.GET('/api/v1/households/{code}', { params: { path: { code: code! } } }))),
  });
}

export function useTasks(owner: string) {
  return useQuery<TaskPage>({
    ...offlineFirst,
    staleTime: 15_000,
    refetchInterval: 60_000,
    queryKey: ['tasks', owner],
    queryFn: () => readThrough(`tasks:${owner}`, () => unwrap(gateway.GET('/api/v1/tasks', { params: { query: { limit: 100 } } }))),
  });
}

export function useMyCases(owner: string) {
  return useQuery<CasePage>({
    ...offlineFirst,
    queryKey: ['my-cases', owner],
    queryFn: () => readThrough(`my-cases:${owner}`, () => unwrap(api.cases.GET('/api/v1/cases', { params: { query: { reporter: 'me', limit: 50 } } }))),
  });
}

export function useCase(id: string) {
  return useQuery<{ case: CaseView; timeline: Timeline }>({
    ...offlineFirst,
    queryKey: ['case', id],
    queryFn: () =>
      readThrough(`case:${id}`, async () => {
        const [c, timeline] = await Promise.all([
          unwrap(api.cases.GET('/api/v1/cases/{id}', { params: { path: { id } } })),
          unwrap(api.cases.GET('/api/v1/cases/{id}/timeline', { params: { path: { id } } })),
        ]);
        return { case: c, timeline };
      }),
  });
}

export function usePatrol(id: string | undefined, enabled: boolean) {
  return useQuery<PatrolView>({
    queryKey: ['patrol', id],
    enabled: enabled && !!id,
    networkMode: 'always',
    // Asked again until the stop has reached the tier (queued items go when the network allows).
    retry: true,
    retryDelay: 3000,
    refetchInterval: (q) => (q.state.data?.endedAt && q.state.data.coverage ? false : 3000),
    queryFn: () => unwrap(gateway.GET('/api/v1/patrols/{id}', { params: { path: { id: id! } } })),
  });
}

export function useDuty(owner: string) {
  return useQuery<DutyView>({
    ...offlineFirst,
    staleTime: 15_000,
    refetchInterval: 60_000,
    queryKey: ['duty', owner],
    queryFn: () => readThrough(`duty:${owner}`, () => unwrap(gateway.GET('/api/v1/duty'))),
  });
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../shared/api/client';
import type { OrgUnitDetail } from '../shared/api/types';
import type { components, paths } from '../shared/api/generated/system-admin';

export type ParameterKey = paths['/api/v1/parameters/{key}']['get']['parameters']['path']['key'];
export type ParameterList = paths['/api/v1/parameters']['get']['responses'][200]['content']['application/json'];
export type ParameterItem = ParameterList['items'][number];
export type Parameter = components['schemas']['Parameter'];
export type ParameterHistory = paths['/api/v1/parameters/{key}/history']['get']['responses'][200]['content']['application/json'];
export type OrgUnit = components['schemas']['OrgUnit'];
export type OrgLevel = OrgUnit['level'];
export type StaffMember = components['schemas']['StaffMember'];

/** The parameters in the order the page shows them. */
export const PARAMETER_KEYS: readonly ParameterKey[] = ['case-rules', 'case-catalogue', 'assessment-scheme'];

/** Every parameter with its version (0: the default shipped with the code), value and last change. */
export function useParameters() {
  return useQuery<ParameterList>({ queryKey: ['parameters'], queryFn: () => unwrap(api.admin.GET('/api/v1/parameters')) });
}

export function useParameterHistory(key: ParameterKey) {
  return useQuery<ParameterHistory>({
    queryKey: ['parameters', key, 'history'],
    queryFn: () => unwrap(api.admin.GET('/api/v1/parameters/{key}/history', { params: { path: { key } } })),
  });
}

/**
 * Saves a new version of a parameter. `version` is the one the value was edited from: sent as
 * If-Match, so a save over someone else's newer version is refused (409) instead of overwriting it.
 */
export function useSaveParameter(key: ParameterKey) {
  const queryClient = useQueryClient();
  return useMutation<Parameter, Error, { value: unknown; version: number }>({
    mutationFn: ({ value, version }) =>
      unwrap(
        api.admin.PUT('/api/v1/parameters/{key}', {
          params: { path: { key }, header: { 'If-Match': String(version) } },
          // The body is the value itself (any JSON object: the service checks it against the parameter's schema).
          body: value as Record<string, unknown>,
        }),
      ),
    onSuccess: (saved) => {
      queryClient.setQueryData<ParameterList>(['parameters'], (old) =>
        old ? { items: old.items.map((p) => (p.key === saved.key ? { ...p, version: saved.version, updatedAt: saved.updatedAt, value: saved.value } : p)) } : old,
      );
      void queryClient.invalidateQueries({ queryKey: ['parameters', key, 'history'] });
      // The case desk reads rules and catalogue from public-sentiment, which reloads them on the change event.
      if (key !== 'assessment-scheme') void queryClient.invalidateQueries({ queryKey: ['case-rules'] });
    },
  });
}

/** The level below each level of the org tree (grids are leaves). */
export const CHILD_LEVEL: Readonly<Record<OrgLevel, OrgLevel | undefined>> = { district: 'street', street: 'community', community: 'grid', grid: undefined };

const orgUnitsQuery = (under: string | undefined, level: OrgLevel | undefined) => ({
  queryKey: ['org-units', under ?? '', level ?? ''],
  staleTime: 5 * 60_000,
  queryFn: () => unwrap(api.admin.GET('/api/v1/org-units', { params: { query: { ...(under && { under }), ...(level && { level }) } } })),
});

/** The units one level below a unit (one request per expanded node: the tree never holds a whole district's grids). */
export function childUnitsQuery(code: string, level: OrgLevel) {
  return orgUnitsQuery(code, CHILD_LEVEL[level]);
}

/** The unit at the top of the tree: the administrator's own. */
export function useRootUnits(code: string, level: OrgLevel) {
  return useQuery<OrgUnit[]>(orgUnitsQuery(code, level));
}

/** Every unit of the tier, for finding one by name; fetched only once someone searches. */
export function useAllUnits(enabled: boolean) {
  return useQuery<OrgUnit[]>({ ...orgUnitsQuery(undefined, undefined), enabled });
}

/** One unit with its path, children and staff (the same query as the map's grid panel, so an import refreshes both). */
export function useOrgUnit(code: string | undefined) {
  return useQuery<OrgUnitDetail>({
    queryKey: ['org-unit', code],
    enabled: !!code,
    queryFn: () => unwrap(api.admin.GET('/api/v1/org-units/{code}', { params: { path: { code: code! } } })),
  });
}

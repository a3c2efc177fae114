import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../shared/api/client';
import type { paths } from '../shared/api/generated/command-centre';

export type KpiQuery = NonNullable<paths['/api/v1/kpis']['get']['parameters']['query']>;
export type KpiReport = paths['/api/v1/kpis']['get']['responses'][200]['content']['application/json'];

export function useKpis(q: KpiQuery) {
  return useQuery<KpiReport>({ queryKey: ['kpis', q], placeholderData: keepPreviousData, queryFn: () => unwrap(api.hub.GET('/api/v1/kpis', { params: { query: q } })) });
}

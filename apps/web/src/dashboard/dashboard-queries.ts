import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../shared/api/client';
import type { CaseOverview } from '../shared/api/types';

/** The boards' counts of the caller's subtree over the last `days` days (refreshed by the live feed). */
export function useOverview(scope: string, days = 30) {
  return useQuery<CaseOverview>({
    queryKey: ['overview', scope, days],
    refetchInterval: 60_000,
    placeholderData: keepPreviousData,
    queryFn: () => {
      const to = new Date();
      const from = new Date(to.getTime() - days * 86_400_000);
      return unwrap(api.hub.GET('/api/v1/overview', { params: { query: { unit: scope, from: from.toISOString(), to: to.toISOString() } } }));
    },
  });
}

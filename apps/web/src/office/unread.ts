import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../shared/api/client';
import { hasService } from '../shared/config/runtime-config';

/** The unread count, for the header's badge (refreshed every half minute). */
export function useUnreadCount(): number {
  const q = useQuery({
    queryKey: ['inbox', 'unread'],
    enabled: hasService('service-office'),
    refetchInterval: 30_000,
    queryFn: () => unwrap(api.office.GET('/api/v1/inbox', { params: { query: { unread: 'true', limit: 1 } } })),
  });
  return q.data?.unread ?? 0;
}

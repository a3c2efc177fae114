import { useCallback } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../shared/api/client';
import type { CaseActionBody, CaseActionName, CasePage, CaseRules, CaseView, DispatchSuggestions, Timeline } from '../shared/api/types';
import { localName } from '../shared/i18n/i18n';

export function useCase(id: string) {
  return useQuery<CaseView>({ queryKey: ['case', id], queryFn: () => unwrap(api.cases.GET('/api/v1/cases/{id}', { params: { path: { id } } })) });
}

export function useTimeline(id: string) {
  return useQuery<Timeline>({ queryKey: ['case', id, 'timeline'], queryFn: () => unwrap(api.cases.GET('/api/v1/cases/{id}/timeline', { params: { path: { id } } })) });
}

export function useDuplicates(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['case', id, 'duplicates'],
    enabled,
    queryFn: () => unwrap(api.cases.GET('/api/v1/cases/{id}/duplicates', { params: { path: { id } } })),
  });
}

export function useDispatchSuggestions(id: string, enabled: boolean) {
  return useQuery<DispatchSuggestions>({
    queryKey: ['case', id, 'dispatch'],
    enabled,
    queryFn: () => unwrap(api.hub.GET('/api/v1/dispatch/suggestions/{caseId}', { params: { path: { caseId: id } } })),
  });
}

/** The rules and the category catalogue this tier runs by (names of categories, inputs of actions). */
export function useCaseRules() {
  return useQuery<CaseRules>({ queryKey: ['case-rules'], staleTime: 5 * 60_000, queryFn: () => unwrap(api.cases.GET('/api/v1/case-rules')) });
}

/** A category's name in the console's language (its code until the catalogue is loaded). */
export function useCategoryName(): (code: string) => string {
  const { i18n } = useTranslation();
  const rules = useCaseRules();
  return useCallback(
    (code: string) => {
      const c = rules.data?.categories.find((x) => x.code === code);
      return c ? localName(c, i18n.language) : code;
    },
    [rules.data, i18n.language],
  );
}

export interface CaseQuery {
  readonly unit?: string | undefined;
  readonly state?: string | undefined;
  readonly light?: 'green' | 'yellow' | 'red' | undefined;
  readonly category?: string | undefined;
  readonly urgency?: 'normal' | 'urgent' | 'emergency' | undefined;
  readonly urged?: boolean | undefined;
  readonly sort: 'reported_desc' | 'reported_asc' | 'deadline_asc' | 'priority';
}

/** A queue of the desk: the case list API with its filters and cursor pages. */
export function useCaseList(q: CaseQuery) {
  return useInfiniteQuery<CasePage>({
    queryKey: ['cases', q],
    initialPageParam: undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.cases.GET('/api/v1/cases', {
          params: {
            query: {
              sort: q.sort,
              limit: 50,
              ...(q.unit && { unit: q.unit }),
              ...(q.state && { state: q.state }),
              ...(q.light && { light: q.light }),
              ...(q.category && { category: q.category }),
              ...(q.urgency && { urgency: q.urgency }),
              ...(q.urged !== undefined && { urged: q.urged ? 'true' : 'false' }),
              ...(typeof pageParam === 'string' && { cursor: pageParam }),
            },
          },
        }),
      ),
  });
}

/** Counts of the queues (the stats endpoint with each queue's filter). */
export function useQueueCount(q: Omit<CaseQuery, 'sort'>) {
  return useQuery({
    queryKey: ['cases', 'count', q],
    queryFn: async () => {
      const stats = await unwrap(
        api.cases.GET('/api/v1/cases/stats', {
          params: {
            query: {
              ...(q.unit && { unit: q.unit }),
              ...(q.state && { state: q.state }),
              ...(q.light && { light: q.light }),
              ...(q.category && { category: q.category }),
              ...(q.urgency && { urgency: q.urgency }),
              ...(q.urged !== undefined && { urged: q.urged ? 'true' : 'false' }),
            },
          },
        }),
      );
      return stats.total;
    },
  });
}

export function useCaseAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ action, body }: { action: CaseActionName; body: CaseActionBody }) =>
      unwrap(api.cases.POST('/api/v1/cases/{id}/actions/{action}', { params: { path: { id, action } }, body })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['case', id] });
      void qc.invalidateQueries({ queryKey: ['cases'] });
    },
  });
}

/** What each workflow action requires (the workflow's own rules, served by public-sentiment). */
export function useWorkflow() {
  return useQuery({ queryKey: ['case-workflow'], staleTime: Infinity, queryFn: () => unwrap(api.cases.GET('/api/v1/case-workflow')) });
}

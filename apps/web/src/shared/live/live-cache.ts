import type { QueryClient } from '@tanstack/react-query';
import type { InfiniteData } from '@tanstack/react-query';
import type { CaseListItem, CaseMap, CaseMapFeature, CasePage } from '../api/types';
import { lightOf } from '../case-labels';

/** A case event as the live feed sends it (a CloudEvent; only the fields the console reads). */
export interface CaseEvent {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly data: {
    readonly caseId?: string;
    readonly caseNo?: string;
    readonly state?: string;
    readonly to?: string;
    readonly categoryCode?: string;
    readonly urgency?: string;
    readonly gridCode?: string;
    readonly location?: { latitude: number; longitude: number };
    readonly summary?: string;
    readonly reportedAt?: string;
    readonly deadlineAt?: string | null;
    readonly yellowAt?: string | null;
    readonly actingTier?: string;
  };
}

const OPEN = new Set(['reported', 'accepted', 'registered', 'dispatched', 'in_progress', 'handled', 'verified', 'returned', 'on_hold']);
let reconcile: ReturnType<typeof setTimeout> | undefined;

/**
 * Applies a case event to what the console has cached: a new case appears on every cached map at
 * once, a changed one moves on (state, deadline, light); lists and counts are asked for again. A
 * second later the maps are re-read from the command centre, which has applied the event by then.
 */
export function applyLiveEvent(qc: QueryClient, e: CaseEvent): void {
  const d = e.data;
  if (!d.caseId) return;
  const id = d.caseId;
  if (e.type === 'gm.case.reported.v1' && d.location) {
    const feature = {
      type: 'Feature',
      id,
      geometry: { type: 'Point', coordinates: [d.location.longitude, d.location.latitude] },
      properties: {
        caseNo: d.caseNo ?? '',
        state: d.state ?? 'reported',
        categoryCode: d.categoryCode ?? '',
        urgency: d.urgency ?? 'normal',
        gridCode: d.gridCode ?? '',
        light: lightOf(d.state ?? 'reported', d.deadlineAt ?? null, d.yellowAt ?? null),
        reportedAt: d.reportedAt ?? e.time,
        deadlineAt: d.deadlineAt ?? null,
        yellowAt: d.yellowAt ?? null,
        summary: d.summary ?? null,
        ownerTier: null,
      },
    } as CaseMapFeature;
    qc.setQueriesData<CaseMap>({ queryKey: ['map', 'cases'] }, (fc) => (fc && !fc.features.some((f) => f.id === id) ? { ...fc, features: [feature, ...fc.features] } : fc));
    addToQueues(qc, e, id);
  } else if (d.to) {
    const to = d.to;
    qc.setQueriesData<CaseMap>({ queryKey: ['map', 'cases'] }, (fc) => {
      if (!fc) return fc;
      const features = fc.features
        .map((f) =>
          f.id !== id
            ? f
            : ({
                ...f,
                properties: {
                  ...f.properties,
                  state: to,
                  deadlineAt: d.deadlineAt ?? null,
                  yellowAt: d.yellowAt ?? null,
                  light: lightOf(to, d.deadlineAt ?? null, d.yellowAt ?? null),
                  ownerTier: d.actingTier ?? f.properties.ownerTier,
                },
              } as CaseMapFeature),
        )
        .filter((f) => f.id !== id || OPEN.has(f.properties.state));
      return { ...fc, features };
    });
    void qc.invalidateQueries({ queryKey: ['case', id] });
  }
  void qc.invalidateQueries({ queryKey: ['cases'] });
  clearTimeout(reconcile);
  reconcile = setTimeout(() => {
    void qc.invalidateQueries({ queryKey: ['map', 'cases'] });
    void qc.invalidateQueries({ queryKey: ['overview'] });
    void qc.invalidateQueries({ queryKey: ['kpis'] });
  }, 1500);
}

/**
 * A new case goes to the top of the desk's cached lists that would hold it (state `reported`, no
 * filter it fails), so that 待受理 shows it at once; the lists are asked for again right after.
 */
function addToQueues(qc: QueryClient, e: CaseEvent, id: string): void {
  const d = e.data;
  if (!d.location || !d.caseNo || !d.categoryCode || !d.gridCode) return;
  const item = {
    id,
    caseNo: d.caseNo,
    state: 'reported',
    categoryCode: d.categoryCode,
    urgency: d.urgency ?? 'normal',
    triage: 'coordination',
    gridCode: d.gridCode,
    location: d.location,
    address: null,
    summary: d.summary ?? '',
    reportedAt: d.reportedAt ?? e.time,
    step: 'accept',
    deadlineAt: d.deadlineAt ?? null,
    light: lightOf('reported', d.deadlineAt ?? null, d.yellowAt ?? null),
    reworkCount: 0,
    urgeCount: 0,
    escalationDue: false,
    rating: null,
    closedAt: null,
    primaryCaseId: null,
  } as CaseListItem;
  for (const [key, data] of qc.getQueriesData<InfiniteData<CasePage>>({ queryKey: ['cases'] })) {
    const q = key[1] as { state?: string; light?: string; category?: string; urgency?: string; unit?: string; urged?: boolean } | undefined;
    if (!data?.pages || !q || typeof q !== 'object') continue;
    const fits =
      (q.state ?? '').split(',').includes('reported') &&
      !q.light &&
      !q.urged &&
      (!q.category || item.categoryCode.startsWith(q.category)) &&
      (!q.urgency || q.urgency === item.urgency) &&
      (!q.unit || item.gridCode.startsWith(q.unit));
    if (!fits || data.pages.some((p) => p.items.some((i) => i.id === id))) continue;
    const [first, ...rest] = data.pages;
    qc.setQueryData<InfiniteData<CasePage>>(key, { ...data, pages: [{ ...first!, items: [item, ...first!.items] }, ...rest] });
  }
}

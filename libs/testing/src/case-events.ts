import { randomUUID } from 'node:crypto';
import {
  createCloudEvent,
  Events,
  type CaseAction,
  type CaseReportedV1,
  type CaseTransitionData,
  type CloudEvent,
  type EventData,
} from '@gm/contracts';
import { TRANSITIONS } from '@gm/domain';

/**
 * Case events as a tier's public-sentiment publishes them, for read models' tests and benches
 * (synthetic: grid 350206001001-07, Xiamen Huli coordinates, pseudonymous subjects).
 */
export const SOURCE = { source: '350206/public-sentiment', tier: '350206' } as const;
export const DEMO_GRID = '350206001001-07';
const WORKER = 'a1b2c3d4-0000-5000-a000-000000000007';

export function aCaseReported(overrides: Partial<CaseReportedV1> = {}, time = new Date()): CloudEvent<CaseReportedV1> {
  const reportedAt = overrides.reportedAt ?? time.toISOString();
  const at = Date.parse(reportedAt);
  const data: CaseReportedV1 = {
    caseId: randomUUID(),
    caseNo: `SQ${reportedAt.slice(0, 10).replace(/-/g, '')}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
    state: 'reported',
    categoryCode: 'SJ0101',
    urgency: 'normal',
    gridCode: DEMO_GRID,
    location: { latitude: 24.5123, longitude: 118.1456 },
    summary: '垃圾满溢 (bins overflowing)',
    channel: 'handheld',
    triage: 'coordination',
    reportedAt,
    reporter: { subject: WORKER, role: 'grid-worker' },
    step: 'accept',
    deadlineAt: new Date(at + 4 * 3_600_000).toISOString(),
    yellowAt: new Date(at + 3.2 * 3_600_000).toISOString(),
    ...overrides,
  };
  return createCloudEvent(Events.caseReported, data, { ...SOURCE, subject: data.caseId, time: new Date(reportedAt) });
}

/** The event of `action` on the case `of` (a reported event or the previous transition's data). */
export function aCaseTransition(
  action: CaseAction,
  of: Pick<CaseTransitionData, 'caseId' | 'caseNo' | 'categoryCode' | 'urgency' | 'gridCode'> & { state?: CaseTransitionData['from']; to?: CaseTransitionData['to'] },
  overrides: Partial<CaseTransitionData> = {},
): CloudEvent<CaseTransitionData> {
  const rule = TRANSITIONS[action];
  const from = overrides.from ?? of.to ?? of.state ?? rule.from[0]!;
  const to = overrides.to ?? (rule.to === 'same' || rule.to === 'held-from' ? from : rule.to);
  const at = overrides.at ?? new Date().toISOString();
  const data: CaseTransitionData = {
    caseId: of.caseId,
    caseNo: of.caseNo,
    action,
    from,
    to,
    categoryCode: of.categoryCode,
    urgency: of.urgency,
    gridCode: of.gridCode,
    at,
    actor: { subject: 'b1b2c3d4-0000-5000-a000-00000000c001', role: 'community-staff' },
    reporters: [WORKER],
    step: null,
    deadlineAt: null,
    reworkCount: 0,
    ...overrides,
  };
  return createCloudEvent(Events[rule.event], data, { ...SOURCE, subject: data.caseId, time: new Date(at) });
}

export function aCaseOverdue(overrides: Partial<EventData<'caseOverdue'>> & Pick<EventData<'caseOverdue'>, 'caseId' | 'step'>): CloudEvent<EventData<'caseOverdue'>> {
  const detectedAt = overrides.detectedAt ?? new Date().toISOString();
  const data: EventData<'caseOverdue'> = {
    caseNo: 'SQ0',
    state: 'dispatched',
    categoryCode: 'SJ0101',
    urgency: 'normal',
    gridCode: DEMO_GRID,
    deadlineAt: detectedAt,
    detectedAt,
    owner: null,
    ...overrides,
  };
  return createCloudEvent(Events.caseOverdue, data, { ...SOURCE, subject: data.caseId, time: new Date(detectedAt) });
}

export { randomUUID as aCaseId };

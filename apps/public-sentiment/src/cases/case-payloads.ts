import type { CaseReportedV1, CaseTransitionData } from '@gm/contracts';
import { summarize } from '@gm/domain';
import type { Case } from './case.entity';

/**
 * The one place each case event's data is made from a case (issue 18: the intake and a copy
 * received from a child tell the same story; so do a step taken here and one mirrored from
 * another tier). Notes and descriptions leave only as redacted summaries.
 */

/** `gm.case.reported.v1`: a case stored here, reported at this tier or copied from a child (`receivedFrom`). */
export function reportedData(c: Case, receivedFrom?: string): CaseReportedV1 {
  const [longitude, latitude] = c.location.coordinates;
  return {
    caseId: c.id,
    caseNo: c.caseNo,
    state: c.state,
    categoryCode: c.categoryCode,
    urgency: c.urgency,
    gridCode: c.gridCode,
    location: { latitude, longitude },
    summary: summarize(c.description),
    channel: c.channel,
    triage: c.triage,
    reportedAt: c.reportedAt.toISOString(),
    reporter: { subject: c.reporterSubject, role: c.reporterRole },
    ...(receivedFrom !== undefined && { receivedFrom }),
    step: c.step,
    deadlineAt: c.deadlineAt?.toISOString() ?? null,
    yellowAt: c.yellowAt?.toISOString() ?? null,
  };
}

/** What a step says beyond the case itself. */
export type StepFields = Pick<CaseTransitionData, 'action' | 'from' | 'to' | 'actor' | 'reporters' | 'step' | 'deadlineAt'> &
  Partial<Pick<CaseTransitionData, 'yellowAt' | 'assignee' | 'primaryCaseId' | 'rating' | 'extensionMinutes' | 'evidenceCount' | 'actingTier' | 'escalatedTo'>> & {
    readonly at: Date;
    /** The step's note in full; the event carries its summary. */
    readonly note?: string | null | undefined;
  };

/** A workflow event's data (`gm.case.<action>.v1`): a step taken at this tier, or mirrored from the one that took it (`actingTier`). */
export function stepData(c: Case, s: StepFields): CaseTransitionData {
  const { at, note, ...rest } = s;
  const optional = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as typeof rest;
  return {
    ...optional,
    caseId: c.id,
    caseNo: c.caseNo,
    categoryCode: c.categoryCode,
    urgency: c.urgency,
    gridCode: c.gridCode,
    at: at.toISOString(),
    reworkCount: c.reworkCount,
    ...(note && { note: summarize(note) }),
  };
}

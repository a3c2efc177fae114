import type { CaseEscalatedUpV1, CaseState } from '@gm/contracts';
import { point } from '@gm/persistence';
import { Case } from '../../cases/case.entity';
import type { CaseTransition } from '../../cases/case-transition.entity';
import { timelineEntry } from '../../cases/timeline-entry';

/**
 * The one place a tier's copy of a case escalated by a child is made: the case as the child
 * described it, with its provenance (origin, source, path). State, clock and number are the
 * receiver's to set.
 */
export function caseCopy(d: CaseEscalatedUpV1, eventId: string, id: string, caseNo: string): Case {
  const c = new Case();
  c.id = id;
  c.caseNo = caseNo;
  c.categoryCode = d.case.categoryCode;
  c.urgency = d.case.urgency;
  c.triage = d.case.triage;
  c.gridCode = d.case.gridCode;
  c.location = point(d.case.location.longitude, d.case.location.latitude);
  c.address = d.case.address;
  c.description = d.case.description;
  c.occurredAt = d.case.occurredAt ? new Date(d.case.occurredAt) : null;
  c.reportedAt = new Date(d.case.reportedAt);
  c.channel = d.case.channel;
  c.reporterSubject = d.case.reporter.subject;
  c.reporterRole = d.case.reporter.role;
  c.reporterUnit = d.case.reporter.unit;
  c.idempotencyKey = `escalated:${d.from.tier}:${d.from.caseId}`;
  c.requestHash = eventId;
  c.reworkCount = d.case.reworkCount;
  c.urgeCount = d.case.urgeCount;
  c.originTier = d.origin.tier;
  c.originCaseId = d.origin.caseId;
  c.originCaseNo = d.origin.caseNo;
  c.sourceTier = d.from.tier;
  c.sourceCaseId = d.from.caseId;
  c.tierPath = d.path;
  return c;
}

/** The copy's timeline as the child kept it (each entry names the tier it was taken at). */
export function copiedHistory(caseId: string, d: CaseEscalatedUpV1): CaseTransition[] {
  return d.history.map((h) =>
    timelineEntry(caseId, {
      action: h.action as CaseTransition['action'],
      from: h.from,
      to: h.to,
      at: new Date(h.at),
      role: h.role,
      unit: h.unit,
      note: h.note ?? null,
      attachments: h.attachments,
      tier: h.tier,
    }),
  );
}

/**
 * A timeline entry of this tier's part in a child's escalation, in the name of the child's actor:
 * receiving it (`receive`), or passing it on further up (`escalate`).
 */
export function escalationEntry(
  caseId: string,
  d: CaseEscalatedUpV1,
  action: 'receive' | 'escalate',
  at: Date,
  from: CaseState | null,
  to: CaseState,
  details: Record<string, unknown>,
): CaseTransition {
  return timelineEntry(caseId, {
    action,
    from,
    to,
    at,
    subject: d.actor.subject,
    role: d.actor.role,
    unit: d.actor.unit,
    note: d.reason,
    details: action === 'receive' ? { from: d.from, origin: d.origin, path: d.path, ...details } : details,
  });
}

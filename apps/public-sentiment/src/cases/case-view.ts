import type { Assignee, CaseAction, CaseListItem, CaseTimelineEntry, CaseView, DuplicateCandidateView } from '@gm/contracts';
import { lightAt } from '@gm/domain';
import type { Case } from './case.entity';
import type { CaseTransition } from './case-transition.entity';
import type { CaseListRow, DuplicateCandidate } from './case-list.query';

/** The builders' answers, typed by their schemas in libs/contracts. */
export type { CaseListItem, CaseView };

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function caseView(c: Case, now: Date, availableActions: CaseAction[]): CaseView {
  const [longitude, latitude] = c.location.coordinates;
  return {
    id: c.id,
    caseNo: c.caseNo,
    state: c.state,
    categoryCode: c.categoryCode,
    urgency: c.urgency,
    triage: c.triage,
    gridCode: c.gridCode,
    location: { latitude, longitude },
    address: c.address ?? null,
    description: c.description,
    attributes: c.attributes,
    mediaUrl: c.mediaUrl,
    reportedAt: c.reportedAt.toISOString(),
    channel: c.channel,
    owner: c.ownerSubject,
    assignee: c.assigneeKind && c.assigneeCode ? ({ kind: c.assigneeKind, code: c.assigneeCode } as Assignee) : null,
    step: c.step,
    deadlineAt: iso(c.deadlineAt),
    light: lightAt({ yellowAt: c.yellowAt, deadlineAt: c.deadlineAt }, now),
    onHoldSince: iso(c.heldAt),
    pendingExtensionMinutes: c.pendingExtensionMinutes,
    reworkCount: c.reworkCount,
    urgeCount: c.urgeCount,
    escalationDue: c.escalationDue,
    closedAt: iso(c.closedAt),
    rating: c.rating,
    ratingComment: c.ratingComment,
    primaryCaseId: c.primaryCaseId,
    availableActions,
    federation: {
      escalatedTo: c.escalatedTo,
      ownerTier: c.ownerTier,
      upstreamState: c.upstreamState,
      followedBy: c.followedBy,
      readOnly: c.ownerTier !== null,
      origin: c.originTier && c.originCaseId ? { tier: c.originTier, caseId: c.originCaseId, caseNo: c.originCaseNo } : null,
      source: c.sourceTier && c.sourceCaseId ? { tier: c.sourceTier, caseId: c.sourceCaseId } : null,
      path: c.tierPath ?? [],
    },
  };
}

/** A row of a list, with its light as of `now`. */
export function listItemView(r: CaseListRow, now: Date): CaseListItem {
  return {
    id: r.id,
    caseNo: r.caseNo,
    state: r.state,
    categoryCode: r.categoryCode,
    urgency: r.urgency,
    triage: r.triage,
    gridCode: r.gridCode,
    location: { latitude: r.latitude, longitude: r.longitude },
    address: r.address,
    summary: r.summary,
    reportedAt: r.reportedAt.toISOString(),
    step: r.step,
    deadlineAt: iso(r.deadlineAt),
    light: lightAt({ yellowAt: r.yellowAt, deadlineAt: r.deadlineAt }, now),
    reworkCount: r.reworkCount,
    urgeCount: r.urgeCount,
    escalationDue: r.escalationDue,
    rating: r.rating,
    closedAt: iso(r.closedAt),
    primaryCaseId: r.primaryCaseId,
  };
}

export function timelineEntryView(t: CaseTransition): CaseTimelineEntry {
  return {
    action: t.action,
    from: t.fromState,
    to: t.toState,
    actor: { subject: t.actorSubject, role: t.actorRole, unit: t.actorUnit },
    at: t.at.toISOString(),
    location: t.location ? { latitude: t.location.coordinates[1], longitude: t.location.coordinates[0] } : null,
    note: t.note,
    attachments: t.attachments,
    details: t.details,
    tier: t.tier,
  };
}

export function duplicateView(d: DuplicateCandidate): DuplicateCandidateView {
  return { caseId: d.caseId, caseNo: d.caseNo, state: d.state, distanceM: d.distanceM, reportedAt: d.reportedAt.toISOString() };
}

import type { Assignee, CaseAction, CaseState, ClockStep, TrafficLight, Triage, Urgency } from '@gm/contracts';
import { lightAt } from '@gm/domain';
import type { Case } from './case.entity';
import type { CaseTransition } from './case-transition.entity';
import type { CaseListRow } from './case.repository';

/** A case as staff see it (within their org unit subtree). */
export interface CaseView {
  readonly id: string;
  readonly caseNo: string;
  readonly state: CaseState;
  readonly categoryCode: string;
  readonly urgency: Urgency;
  readonly triage: Triage;
  readonly gridCode: string;
  readonly location: { latitude: number; longitude: number };
  readonly address: string | null;
  readonly description: string;
  /** Answers to the category's extra attributes. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The reporter's link to media held elsewhere (Open311). */
  readonly mediaUrl: string | null;
  readonly reportedAt: string;
  readonly channel: string;
  /** Pseudonymous subject of the accountable first responder (首问负责人), once accepted. */
  readonly owner: string | null;
  readonly assignee: Assignee | null;
  readonly step: ClockStep | null;
  readonly deadlineAt: string | null;
  /** null while on hold or once the case left the open states. */
  readonly light: TrafficLight | null;
  readonly onHoldSince: string | null;
  readonly pendingExtensionMinutes: number | null;
  readonly reworkCount: number;
  readonly urgeCount: number;
  readonly escalationDue: boolean;
  readonly closedAt: string | null;
  readonly rating: number | null;
  readonly ratingComment: string | null;
  readonly primaryCaseId: string | null;
  /** What the caller may do now (buttons); inputs are checked on submit. */
  readonly availableActions: CaseAction[];
  /** Across tiers: where the case went (上报至) and who owns it, where it began and the way it came. */
  readonly federation: {
    readonly escalatedTo: string | null;
    readonly ownerTier: string | null;
    /** The state at the owning tier (another tier's), as last heard. */
    readonly upstreamState: CaseState | null;
    /** The tier above whose copy follows this case, after it assigned the case back here (下派). */
    readonly followedBy: string | null;
    readonly readOnly: boolean;
    readonly origin: { readonly tier: string; readonly caseId: string; readonly caseNo: string | null } | null;
    readonly source: { readonly tier: string; readonly caseId: string } | null;
    readonly path: readonly string[];
  };
}

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
export function listItemView(r: CaseListRow, now: Date) {
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
export type CaseListItem = ReturnType<typeof listItemView>;

export function timelineEntryView(t: CaseTransition) {
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
    /** The tier where the step was taken, when not this one. */
    tier: t.tier,
  };
}

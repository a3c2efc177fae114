import { DomainError, type Principal, type Role, type Triage, type Urgency } from '@gm/contracts';
import { OrgUnitCode } from '../org-units/org-unit-code';
import type { Category, CategoryCatalogue } from './category-catalogue';

export type IntakeChannel = 'handheld' | 'desk';

/** Who may bring a case in through which channel. */
export const INTAKE_ROLES: Readonly<Record<IntakeChannel, readonly Role[]>> = {
  handheld: ['grid-worker', 'grid-leader'],
  desk: ['community-staff', 'street-staff', 'district-staff'],
};

export interface IntakeRequest {
  readonly principal: Principal;
  readonly channel: IntakeChannel;
  readonly categoryCode: string;
  readonly gridCode?: string | undefined;
  readonly urgency?: Urgency | undefined;
  readonly triage?: Triage | undefined;
  /** Attachment keys sent with the report (evidence of on-the-spot handling). */
  readonly evidenceCount?: number | undefined;
  /** The org unit this platform instance serves. */
  readonly tierCode: string;
}

export interface IntakeDecision {
  readonly category: Category;
  readonly gridCode: string;
  readonly urgency: Urgency;
  readonly triage: Triage;
  /** The role under which the reporter acted (first matching intake role). */
  readonly reporterRole: Role;
}

/**
 * Decides whether a report may be taken in and where it belongs. Throws a DomainError naming the
 * field or the rule that failed; pure, so the same rule holds over HTTP and NATS.
 */
export function decideIntake(req: IntakeRequest, catalogue: CategoryCatalogue): IntakeDecision {
  const reporterRole = req.principal.roles.find((r) => INTAKE_ROLES[req.channel].includes(r));
  if (!reporterRole) {
    throw new DomainError('AUTH.FORBIDDEN', `Reporting through ${req.channel} needs one of: ${INTAKE_ROLES[req.channel].join(', ')}`);
  }

  const category = catalogue.find(req.categoryCode);
  if (!category) {
    throw new DomainError('CASE.UNKNOWN_CATEGORY', `categoryCode: unknown category ${req.categoryCode}`, [
      { field: 'categoryCode', message: `unknown category ${req.categoryCode}` },
    ]);
  }

  const target = req.gridCode ?? req.principal.orgUnit;
  let unit: OrgUnitCode;
  try {
    unit = OrgUnitCode.parse(target);
  } catch {
    throw DomainError.validation([{ field: 'gridCode', message: `not an org unit code: ${target}` }]);
  }
  if (unit.level !== 'grid') {
    throw DomainError.validation([
      {
        field: 'gridCode',
        message: req.gridCode
          ? `${target} is a ${unit.level}, not a grid`
          : `your org unit ${target} is a ${unit.level}: name the grid in gridCode`,
      },
    ]);
  }

  const scope = OrgUnitCode.parse(req.principal.orgUnit);
  if (!scope.contains(unit)) {
    throw new DomainError('AUTH.OUT_OF_SCOPE', `Grid ${unit.value} is outside your org unit ${scope.value}`);
  }
  if (!OrgUnitCode.parse(req.tierCode).contains(unit)) {
    throw new DomainError('AUTH.OUT_OF_SCOPE', `Grid ${unit.value} is not served by this tier (${req.tierCode})`);
  }

  const triage = triageOf(req, category.defaultUrgency === 'emergency');
  // An emergency stays an emergency whatever urgency the reporter picked (emergencies skip the queue).
  const urgency: Urgency = triage === 'emergency' ? 'emergency' : (req.urgency ?? category.defaultUrgency);
  return { category, gridCode: unit.value, urgency, triage, reporterRole };
}

/**
 * Triage (DOMAIN.md §5): an emergency category or urgency makes an emergency; handling on the spot
 * is for the grid worker on the handheld, with evidence; otherwise what the reporter chose, by
 * default coordination through the community station.
 */
function triageOf(req: IntakeRequest, emergencyCategory: boolean): Triage {
  if (emergencyCategory || req.urgency === 'emergency' || req.triage === 'emergency') return 'emergency';
  if (req.triage === 'on_the_spot') {
    if (req.channel !== 'handheld') {
      throw DomainError.validation([{ field: 'triage', message: 'on_the_spot is for a grid worker on the handheld' }]);
    }
    if (!req.evidenceCount) {
      throw DomainError.validation([{ field: 'evidence', message: 'a problem handled on the spot needs at least one photo as evidence' }]);
    }
  }
  return req.triage ?? 'coordination';
}

/** Human-readable case number: `<tier>-<yyyymmdd>-<seq>`, e.g. `350206-20261121-000042`. */
export function formatCaseNo(tierCode: string, day: Date, sequence: number, timeZone = 'Asia/Shanghai'): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(day);
  return `${tierCode}-${parts.replace(/-/g, '')}-${String(sequence).padStart(6, '0')}`;
}

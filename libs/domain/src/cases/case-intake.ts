import { DomainError, type Principal, type Role, type Triage, type Urgency } from '@gm/contracts';
import { OrgUnitCode } from '../org-units/org-unit-code';
import { checkAttributes, type AttributeAnswer, type RawAttributes } from './category-attributes';
import type { Category, CategoryCatalogue } from './category-catalogue';

/** Channels through which staff report with their own token. */
export type StaffIntakeChannel = 'handheld' | 'desk';
/** Every intake channel: staff channels, and Open311 (civic-reporting clients holding an API key). */
export type IntakeChannel = StaffIntakeChannel | 'open311';

/** Who may bring a case in through which staff channel. */
export const INTAKE_ROLES: Readonly<Record<StaffIntakeChannel, readonly Role[]>> = {
  handheld: ['grid-worker', 'grid-leader'],
  desk: ['community-staff', 'street-staff', 'district-staff'],
};

/** The capacity in which a member of the public reports (through an Open311 client); not a realm role. */
export const PUBLIC_REPORTER_ROLE = 'public';
export type ReporterRole = Role | typeof PUBLIC_REPORTER_ROLE;

const OPEN311_CLIENT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const OPEN311_SUBJECT = /^open311:[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * The reporter behind an Open311 client: a pseudonymous subject named after the client's API key
 * (`open311:<name>`), no realm role at all (so it can do nothing a role allows), scoped to the tier.
 * The person who typed the report stays unknown to this platform.
 */
export function open311Reporter(clientName: string, tierCode: string): Principal {
  if (!OPEN311_CLIENT_NAME.test(clientName)) throw new RangeError('Open311 client names are 1–40 lower-case letters, digits or "-"');
  return { subject: `open311:${clientName}`, roles: [], orgUnit: OrgUnitCode.parse(tierCode).value };
}

/** True for a principal made by `open311Reporter` (and for nothing a token verifier produces: those have roles and UUID subjects). */
export function isOpen311Reporter(principal: Principal): boolean {
  return principal.roles.length === 0 && OPEN311_SUBJECT.test(principal.subject);
}

export interface IntakeRequest {
  readonly principal: Principal;
  readonly channel: IntakeChannel;
  readonly categoryCode: string;
  readonly gridCode?: string | undefined;
  readonly urgency?: Urgency | undefined;
  readonly triage?: Triage | undefined;
  /** Attachment keys sent with the report (evidence of on-the-spot handling). */
  readonly evidenceCount?: number | undefined;
  /**
   * Answers to the category's extra attributes, from channels that collect them (Open311); when
   * given they must satisfy the category's definition, required attributes included.
   */
  readonly attributes?: RawAttributes | undefined;
  /** The org unit this platform instance serves. */
  readonly tierCode: string;
  /** Grids of the reporter's community the reporter covers now (A/B posts): a report may be placed in them too. */
  readonly coveredGrids?: readonly string[] | undefined;
}

export interface IntakeDecision {
  readonly category: Category;
  readonly gridCode: string;
  readonly urgency: Urgency;
  readonly triage: Triage;
  /** The role under which the reporter acted (first matching intake role), or `public` through Open311. */
  readonly reporterRole: ReporterRole;
  /** Checked attribute answers (empty when the channel collects none). */
  readonly attributes: Readonly<Record<string, AttributeAnswer>>;
}

/**
 * Decides whether a report may be taken in and where it belongs. Throws a DomainError naming the
 * field or the rule that failed; pure, so the same rule holds over HTTP and NATS.
 */
export function decideIntake(req: IntakeRequest, catalogue: CategoryCatalogue): IntakeDecision {
  const reporterRole = reporterRoleOf(req.principal, req.channel);

  const category = catalogue.find(req.categoryCode);
  if (!category) {
    throw new DomainError('CASE.UNKNOWN_CATEGORY', `categoryCode: unknown category ${req.categoryCode}`, [
      { field: 'categoryCode', message: `unknown category ${req.categoryCode}` },
    ]);
  }
  const attributes = req.attributes ? checkAttributes(category, req.attributes) : {};

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
  if (!scope.contains(unit) && !req.coveredGrids?.includes(unit.value)) {
    throw new DomainError('AUTH.OUT_OF_SCOPE', `Grid ${unit.value} is outside your org unit ${scope.value}`);
  }
  if (!OrgUnitCode.parse(req.tierCode).contains(unit)) {
    throw new DomainError('AUTH.OUT_OF_SCOPE', `Grid ${unit.value} is not served by this tier (${req.tierCode})`);
  }

  const triage = triageOf(req, category.defaultUrgency === 'emergency');
  // An emergency stays an emergency whatever urgency the reporter picked (emergencies skip the queue).
  const urgency: Urgency = triage === 'emergency' ? 'emergency' : (req.urgency ?? category.defaultUrgency);
  return { category, gridCode: unit.value, urgency, triage, reporterRole, attributes };
}

/**
 * Staff channels need a matching realm role; Open311 needs the pseudonymous client reporter and
 * nothing else (a staff token cannot pose as a member of the public, nor a client as staff).
 */
function reporterRoleOf(principal: Principal, channel: IntakeChannel): ReporterRole {
  if (channel === 'open311') {
    if (!isOpen311Reporter(principal)) throw new DomainError('AUTH.FORBIDDEN', 'Reporting through open311 is for Open311 clients with an API key');
    return PUBLIC_REPORTER_ROLE;
  }
  const role = principal.roles.find((r) => INTAKE_ROLES[channel].includes(r));
  if (!role) throw new DomainError('AUTH.FORBIDDEN', `Reporting through ${channel} needs one of: ${INTAKE_ROLES[channel].join(', ')}`);
  return role;
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

/** One formatter per time zone: building an Intl.DateTimeFormat costs more than the rest of the intake's CPU. */
const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** Human-readable case number: `<tier>-<yyyymmdd>-<seq>`, e.g. `350206-20261121-000042`. */
export function formatCaseNo(tierCode: string, day: Date, sequence: number, timeZone = 'Asia/Shanghai'): string {
  let f = DAY_FORMATS.get(timeZone);
  if (!f) DAY_FORMATS.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = f.format(day);
  return `${tierCode}-${parts.replace(/-/g, '')}-${String(sequence).padStart(6, '0')}`;
}

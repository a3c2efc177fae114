/**
 * Every NATS subject and stream name of the platform is built here and nowhere else.
 *
 * Subjects are scoped by the instance's namespace (by default the tier's org unit code), so that
 * tiers joined by leafnodes, and test workers sharing one server, never hear each other's
 * traffic: `gm.<namespace>.<aggregate>.<event>.v<N>`. The CloudEvents `type` keeps the
 * unscoped name (`gm.case.reported.v1`): it names what happened, the subject names where.
 */

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** A validated subject namespace (a single NATS token). */
export type Namespace = string & { readonly __brand: 'Namespace' };

export function namespace(value: string): Namespace {
  if (!TOKEN.test(value)) {
    throw new Error(`Invalid NATS namespace "${value}": use letters, digits, "-" or "_" only`);
  }
  return value as Namespace;
}

/** `gm.case.reported.v1` in namespace `350206` → `gm.350206.case.reported.v1`. */
export function scopedSubject(ns: Namespace, name: string): string {
  if (!name.startsWith('gm.')) throw new Error(`Subject names start with "gm.": ${name}`);
  return `gm.${ns}.${name.slice(3)}`;
}

/** The unscoped name of a scoped subject, or undefined if it is not in this namespace. */
export function unscopedName(ns: Namespace, subject: string): string | undefined {
  const prefix = `gm.${ns}.`;
  return subject.startsWith(prefix) ? `gm.${subject.slice(prefix.length)}` : undefined;
}

/** JetStream streams of one tier instance. */
export interface StreamDefinition {
  /** Logical name; the real stream name adds the namespace. */
  readonly key: string;
  /** Unscoped subject filters captured by the stream. */
  readonly subjects: readonly string[];
  readonly description: string;
  /** How long messages are kept (ms). */
  readonly maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped (ms). Must exceed the outbox relay's retry horizon. */
  readonly duplicateWindowMs: number;
  /** Messages kept per subject (the newest); absent: no limit. */
  readonly maxMsgsPerSubject?: number;
}

const DAY = 24 * 60 * 60 * 1000;

export const Streams = {
  caseEvents: {
    key: 'CASE_EVENTS',
    subjects: ['gm.case.>'],
    description: 'Facts about cases (社情民意) of this tier',
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 1 * DAY,
  },
  gisEvents: {
    key: 'GIS_EVENTS',
    subjects: ['gm.boundary.>'],
    description: 'Facts about boundaries (grid division) of this tier',
    maxAgeMs: 365 * DAY,
    duplicateWindowMs: 1 * DAY,
  },
  orgEvents: {
    key: 'ORG_EVENTS',
    subjects: ['gm.org-unit.>'],
    description: 'Facts about the org tree and staff assignments of this tier',
    maxAgeMs: 365 * DAY,
    duplicateWindowMs: 1 * DAY,
  },
  parameterEvents: {
    key: 'PARAMETER_EVENTS',
    subjects: ['gm.parameter.>'],
    description: 'Changes of run-time parameters of this tier (system-admin)',
    maxAgeMs: 365 * DAY,
    duplicateWindowMs: 1 * DAY,
  },
  workerEvents: {
    key: 'WORKER_EVENTS',
    subjects: ['gm.worker.>'],
    description: "Facts about grid workers' field work from their handhelds (positions) of this tier",
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 1 * DAY,
  },
  /**
   * Base data records, one subject per record (`gm.<tier>.basedata.<street>.<community>.<grid>.<kind>.<key>`), each
   * message the record's whole state at one version (ADR 0012). No age limit, the newest versions
   * of each record only: the snapshot and the change feed in one. At a parent the federation's
   * topology adds its children's streams of the same name as sources.
   */
  baseDataRecords: {
    key: 'BASEDATA',
    subjects: ['gm.basedata.>'],
    description: 'Base data records kept by this tier and, sourced, by the tiers below it: each message one version of one record (personal data only as ciphertext)',
    maxAgeMs: 0,
    duplicateWindowMs: 1 * DAY,
    maxMsgsPerSubject: 64,
  },
  baseDataEvents: {
    key: 'BASE_DATA_EVENTS',
    subjects: ['gm.base-data.>', 'gm.resident.>'],
    description: 'Facts about base data (people, houses, organisations, objects) of this tier, without personal data',
    maxAgeMs: 90 * DAY,
    duplicateWindowMs: 1 * DAY,
  },
} as const satisfies Record<string, StreamDefinition>;

export type StreamKey = keyof typeof Streams;

const DEPARTMENT = /^[a-z][a-z0-9-]{1,39}$/;

/**
 * A department's own feed (ADR 0014): the case events of its remit, republished by service-office as
 * `gm.<tier>.dept.<department>.<event>` (e.g. `gm.350206.dept.water.case.reported.v1`). One stream per
 * department (`DEPT_<department>_<tier>`), so that the department's NATS user is allowed its own
 * stream by name and nothing else.
 */
export function departmentFeed(department: string): StreamDefinition {
  if (!DEPARTMENT.test(department)) throw new Error(`Invalid department code "${department}"`);
  return {
    key: `DEPT_${department}`,
    subjects: [`gm.dept.${department}.>`],
    description: `Case events of the remit of department ${department}, for its own consumers`,
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 1 * DAY,
  };
}

/** Where service-office republishes `eventType` (`gm.case.reported.v1`) for a department: `gm.<ns>.dept.<department>.case.reported.v1`. */
export function departmentFeedSubject(ns: Namespace, department: string, eventType: string): string {
  if (!eventType.startsWith('gm.')) throw new Error(`Event types start with "gm.": ${eventType}`);
  return scopedSubject(ns, `gm.dept.${department}.${eventType.slice(3)}`);
}

/** Stream names allow no dots; the namespace is appended so that test workers on one server stay apart. */
export function streamName(ns: Namespace, stream: StreamDefinition): string {
  return `${stream.key}_${ns}`;
}

export function streamSubjects(ns: Namespace, stream: StreamDefinition): string[] {
  return stream.subjects.map((s) => scopedSubject(ns, s));
}

/** Durable consumer names: `<service>-<purpose>`, unique per stream. */
export function durableName(service: string, purpose: string): string {
  const name = `${service}-${purpose}`;
  if (!TOKEN.test(name)) throw new Error(`Invalid durable name "${name}"`);
  return name;
}

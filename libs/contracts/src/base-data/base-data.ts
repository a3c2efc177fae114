import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import { orgUnitCodeSchema } from '../cases/case-values';

export const BASE_DATA_KINDS = ['buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects'] as const;
export const baseDataKindSchema = z.enum(BASE_DATA_KINDS);
export type BaseDataKind = z.infer<typeof baseDataKindSchema>;

export const RESIDENCE_TYPES = ['registered', 'floating', 'tenant'] as const;
export const FOCUS_CLASSES = ['none', 'key', 'vulnerable', 'special'] as const;
/** Sub-tags of the focus classes (重点、弱势、特殊人群) and other markers kept on a resident. */
export const RESIDENT_TAGS = [
  'elderly_alone',
  'disabled',
  'low_income',
  'left_behind_child',
  'unemployed_4050',
  'community_correction',
  'released_prisoner',
  'drug_user',
  'key_person',
] as const;
export const HOUSE_USES = ['owner_occupied', 'rented', 'vacant', 'commercial'] as const;
export const ORGANISATION_TYPES = ['company', 'shop', 'school', 'medical', 'government', 'social', 'other'] as const;
export const OBJECT_STATES = ['normal', 'damaged', 'lost', 'removed'] as const;
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'other'] as const;
/** A resident is `active` in the area until recorded as having left it or died; the record stays, with its history. */
export const RESIDENT_STATUSES = ['active', 'left', 'deceased'] as const;
/** What a write did to a resident (`gm.resident.changed.v1`). */
export const RESIDENT_ACTIONS = ['added', 'updated', 'moved', 'left', 'deceased', 'returned'] as const;

/**
 * `gm.base-data.imported.v1`: a CSV file of one kind was imported. Carries counts and the grids
 * touched, never records or personal data.
 */
export const baseDataImportedV1 = defineEvent({
  type: 'gm.base-data.imported.v1',
  aggregate: 'base-data',
  description: 'Base data of one kind was imported (upserted) from a file',
  schema: z.object({
    importId: z.uuid(),
    kind: baseDataKindSchema,
    rows: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    grids: z.array(orgUnitCodeSchema),
  }),
});

/** `gm.resident.changed.v1`: a resident record was edited. Names the fields, never their values. */
export const residentChangedV1 = defineEvent({
  type: 'gm.resident.changed.v1',
  aggregate: 'resident',
  description: 'A resident record was changed (fields named, values not carried)',
  schema: z.object({
    residentId: z.uuid(),
    gridCode: orgUnitCodeSchema,
    fields: z.array(z.string()),
    /** Absent from events written before the resident lifecycle existed (all were updates). */
    action: z.enum(RESIDENT_ACTIONS).optional(),
    by: z.object({ subject: z.string(), role: z.string() }),
  }),
});

/** What a write did to a building, house, household, organisation or object (`gm.base-data.record-changed.v1`). */
export const RECORD_ACTIONS = ['added', 'updated', 'moved', 'split', 'left'] as const;
export const RECORD_KINDS = ['building', 'house', 'household', 'organisation', 'city-object'] as const;

/**
 * `gm.base-data.record-changed.v1`: a building, house, household, organisation or object was written
 * by hand. Names the
 * record by kind and code, and the fields that changed, never their values.
 */
export const recordChangedV1 = defineEvent({
  type: 'gm.base-data.record-changed.v1',
  aggregate: 'base-data',
  description: 'A building, house, household, organisation or object was changed by hand (fields named, values not carried)',
  schema: z.object({
    kind: z.enum(RECORD_KINDS),
    code: z.string(),
    gridCode: orgUnitCodeSchema,
    action: z.enum(RECORD_ACTIONS),
    fields: z.array(z.string()),
    by: z.object({ subject: z.string(), role: z.string() }),
  }),
});

/**
 * Codes of objects (部件) registered by hand: the grid's code, the four-digit class and a serial
 * within grid and class, e.g. \`350206001001-07-0302-0001\`. Unique across the district because grid
 * codes are. Imported objects keep the codes they came with.
 */
export const CITY_OBJECT_CODE = /^(\d{12}-\d{2})-(\d{4})-(\d{4})$/;

/** Kinds of base data records that travel between tiers (ADR 0012); `pii-read`: the audit record of a clear read, for the district's auditors. */
export const BASE_DATA_RECORD_KINDS = ['building', 'house', 'household', 'resident', 'organisation', 'city-object', 'pii-read', 'change-proposal'] as const;
export type BaseDataRecordKind = (typeof BASE_DATA_RECORD_KINDS)[number];

/**
 * `gm.basedata.record.v1`, on `gm.<tier>.basedata.<street>.<community>.<grid>.<kind>.<key>`: one version of one record,
 * whole. `state` holds the record's columns as its keeper stores them, except that personal data
 * travels only as ciphertext: a resident's `pii` box (ID and phone) and `name_box` (the name,
 * sealed for the journey), an organisation's `contact_name_box` likewise; keyed hashes and masks
 * as stored. A receiver keeps a version newer than its own (ADR 0012).
 */
export const baseDataRecordV1 = defineEvent({
  type: 'gm.basedata.record.v1',
  aggregate: 'base-data',
  description: 'One version of one base data record, whole (personal data as ciphertext), for the tiers above its keeper',
  schema: z.object({
    kind: z.enum(BASE_DATA_RECORD_KINDS),
    key: z.string().min(1),
    gridCode: orgUnitCodeSchema,
    version: z.number().int().positive(),
    state: z.record(z.string(), z.unknown()),
  }),
});

/**
 * The subject of a record's versions, one per record so that a stream keeps the newest of each:
 * `gm.<tier>.basedata.<street>.<community>.<grid>.<kind>.<key>`. The grid's street and community
 * are tokens of their own so that a tier can route a child's subtree to it with a subject filter
 * (`baseDataRouteFilter`); an audit record (`pii-read`) has no route (`-.-.-`) and goes up only.
 */
export function baseDataRecordSubject(tier: string, gridCode: string, kind: BaseDataRecordKind, key: string): string {
  for (const token of [tier, gridCode, key]) {
    if (!/^[0-9A-Za-z_-]+$/.test(token)) throw new RangeError(`"${token}" cannot be a subject token`);
  }
  return `gm.${tier}.basedata.${kind === 'pii-read' ? '-.-.-' : baseDataRoute(gridCode)}.${kind}.${key}`;
}

/** `<street>.<community>.<grid>` of a grid code (`350206001001-07` → `350206001.350206001001.350206001001-07`). */
export function baseDataRoute(gridCode: string): string {
  const m = /^((\d{9})\d{3})-\d{2}$/.exec(gridCode);
  if (!m) throw new RangeError(`not a grid code: ${gridCode}`);
  return `${m[2]}.${m[1]}.${gridCode}`;
}

/**
 * The subject filter, after `gm.<tier>.basedata.`, of the records of one unit's subtree: a street
 * `<street>.>`, a community `*.<community>.>`, a grid `*.*.<grid>.>`.
 */
export function baseDataRouteFilter(unit: string): string {
  if (/^\d{9}$/.test(unit)) return `${unit}.>`;
  if (/^\d{12}$/.test(unit)) return `*.${unit}.>`;
  if (/^\d{12}-\d{2}$/.test(unit)) return `*.*.${unit}.>`;
  throw new RangeError(`no subtree below the district is named ${unit}`);
}

/** Codes of buildings and organisations registered by hand: the grid's code, `-B` or `-ORG`, and a serial (as the district's files have them). */
export const BUILDING_CODE = /^(\d{12}-\d{2})-B(\d{3,4})$/;
export const ORGANISATION_CODE = /^(\d{12}-\d{2})-ORG(\d{3,4})$/;
/** Houses: the building's code and the room. */
export const HOUSE_ROOM = /^[0-9A-Za-z-]{1,10}$/;

/** public-sentiment answers how many cases are open in a unit's subtree. */
export const openCasesRequestSchema = z.object({ under: orgUnitCodeSchema }).strict();
export const openCasesResponseSchema = z.object({ open: z.number().int(), byGrid: z.record(z.string(), z.number().int()) });

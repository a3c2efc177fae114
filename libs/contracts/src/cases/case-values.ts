import { z } from 'zod';

/**
 * Org unit code: the national statistical division code, 6 digits for the district, +3 for the
 * street, +3 for the community, and a 2-digit grid suffix after a hyphen:
 * `350206` → `350206001` → `350206001001` → `350206001001-07`.
 */
export const ORG_UNIT_CODE_PATTERN = /^\d{6}(?:\d{3}(?:\d{3}(?:-\d{2})?)?)?$/;
export const orgUnitCodeSchema = z
  .string()
  .regex(ORG_UNIT_CODE_PATTERN, 'expected an org unit code such as 350206, 350206001, 350206001001 or 350206001001-07');

/** Category codes: `BJ` + 4 digits for objects (部件), `SJ` + 4 digits for events (事件); 2-digit major + 2-digit minor. */
export const CATEGORY_CODE_PATTERN = /^(?:BJ|SJ)\d{4}$/;
export const categoryCodeSchema = z.string().regex(CATEGORY_CODE_PATTERN, 'expected BJ or SJ followed by 4 digits, e.g. SJ0101');

export const URGENCIES = ['normal', 'urgent', 'emergency'] as const;
export const urgencySchema = z.enum(URGENCIES);
export type Urgency = z.infer<typeof urgencySchema>;

/** Every state a case can be in (the transitions between them are rules, kept in libs/domain). */
export const CASE_STATES = [
  'reported',
  'accepted',
  'registered',
  'dispatched',
  'in_progress',
  'handled',
  'verified',
  'closed',
  'rejected',
  'returned',
  'on_hold',
  'escalated',
  'merged',
  'voided',
] as const;
export const caseStateSchema = z.enum(CASE_STATES);
export type CaseState = z.infer<typeof caseStateSchema>;

/** A WGS84 position as handhelds report it. */
export const geoPointSchema = z.object({
  latitude: z.number().min(-90, 'latitude must be between -90 and 90').max(90, 'latitude must be between -90 and 90'),
  longitude: z.number().min(-180, 'longitude must be between -180 and 180').max(180, 'longitude must be between -180 and 180'),
});
export type GeoPoint = z.infer<typeof geoPointSchema>;

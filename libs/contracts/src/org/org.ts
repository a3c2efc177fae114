import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import { orgUnitCodeSchema } from '../cases/case-values';

export const orgLevelSchema = z.enum(['district', 'street', 'community', 'grid']);

export const orgUnitSchema = z.object({
  code: orgUnitCodeSchema,
  name: z.string(),
  level: orgLevelSchema,
  parentCode: orgUnitCodeSchema.nullable(),
});
export type OrgUnit = z.infer<typeof orgUnitSchema>;

/** Posts of grid staff (一格四员 and helpers). */
export const STAFF_POSTS = ['grid-leader', 'grid-worker', 'supervisor', 'co-manager', 'police', 'building-head'] as const;
export const staffPostSchema = z.enum(STAFF_POSTS);

export const orgUnitsRequestSchema = z
  .object({
    /** Only units in this unit's subtree (itself included). */
    under: orgUnitCodeSchema.optional(),
    level: orgLevelSchema.optional(),
  })
  .strict();
export const orgUnitsResponseSchema = z.object({ units: z.array(orgUnitSchema) });

/** `gm.org-unit.imported.v1`: org units or staff assignments were (re)loaded. */
export const orgImportedV1 = defineEvent({
  type: 'gm.org-unit.imported.v1',
  aggregate: 'org-unit',
  description: 'Org units or staff assignments were imported',
  schema: z.object({
    importId: z.uuid(),
    file: z.enum(['org-units', 'staff']),
    inserted: z.number().int(),
    updated: z.number().int(),
  }),
});

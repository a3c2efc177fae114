import { z } from 'zod';
import { roleSchema } from '../auth/roles';
import { orgUnitCodeSchema } from '../cases/case-values';
import { orgLevelSchema, orgUnitSchema, staffPostSchema } from './org';

export const STAFF_EMPLOYMENTS = ['full-time', 'part-time'] as const;

export const orgUnitViewSchema = orgUnitSchema.strict().meta({ id: 'OrgUnit' });

export const orgUnitListSchema = z.array(orgUnitViewSchema);

export const staffMemberSchema = z
  .object({
    username: z.string(),
    displayName: z.string(),
    post: staffPostSchema,
    employment: z.enum(STAFF_EMPLOYMENTS),
    abPartner: z.string().nullable().describe('The username of the A/B partner (A/B岗), who covers for this one'),
  })
  .strict()
  .meta({ id: 'StaffMember' });
export type StaffMember = z.infer<typeof staffMemberSchema>;

/** One unit with its path from the district down, its children and who works in it. */
export const orgUnitDetailSchema = orgUnitViewSchema
  .extend({ path: z.array(orgUnitViewSchema), children: z.array(orgUnitViewSchema), staff: z.array(staffMemberSchema) })
  .strict()
  .meta({ id: 'OrgUnitDetail' });
export type OrgUnitDetail = z.infer<typeof orgUnitDetailSchema>;

const unitRef = z.object({ code: orgUnitCodeSchema, level: orgLevelSchema }).strict();

/** `GET /api/v1/me`: the caller as the token says. */
export const meSchema = z
  .object({
    subject: z.string(),
    username: z.string().nullable(),
    roles: z.array(roleSchema),
    orgUnit: unitRef,
    path: z.array(unitRef).describe('From the district down to the unit itself'),
  })
  .strict();
export type Me = z.infer<typeof meSchema>;

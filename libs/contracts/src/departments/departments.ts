import { z } from 'zod';
import { DEPARTMENT_CODE } from '../auth/roles';
import { orgUnitCodeSchema } from '../cases/case-values';

/**
 * Departments (职能部门) as service-office keeps them. The category catalogue (system-admin's
 * parameter) names each department and the categories it owns; service-office keeps what the
 * catalogue does not: the areas it serves, its duty line and its contacts.
 */
export const departmentCodeSchema = z.string().regex(DEPARTMENT_CODE, 'department codes are lower-case letters, digits and "-", e.g. urban-management');

const phone = z.string().trim().regex(/^[0-9+\-() ]{3,20}$/, 'a phone number: 3–20 digits, spaces, "+", "-" or brackets');

export const departmentContactSchema = z
  .object({
    post: z.string().trim().min(1, 'post is required (e.g. 值班室, 科长)').max(40),
    name: z.string().trim().min(1, 'name is required').max(40),
    phone,
  })
  .strict();

/** `PUT /api/v1/departments/{code}`: what service-office keeps about a department of the catalogue. */
export const departmentDetailsBodySchema = z
  .object({
    areas: z.array(orgUnitCodeSchema).min(1, 'areas must name at least one unit (the tier serves by default)').max(200).describe('Org units the department serves (its cases come from there)'),
    dutyPhone: phone.nullable().describe('The duty line (值班电话)'),
    contacts: z.array(departmentContactSchema).max(20, 'at most 20 contacts').default([]),
  })
  .strict();
export type DepartmentDetailsBody = z.input<typeof departmentDetailsBodySchema>;

export const departmentViewSchema = z
  .object({
    code: departmentCodeSchema,
    nameZh: z.string(),
    nameEn: z.string(),
    categories: z.array(z.string()).describe("Codes of the categories the catalogue gives this department"),
    areas: z.array(orgUnitCodeSchema),
    dutyPhone: z.string().nullable(),
    contacts: z.array(departmentContactSchema),
    updatedBy: z.string().nullable(),
    updatedAt: z.iso.datetime({ offset: true }).nullable().describe('When service-office\'s details were last changed; null while it holds none (defaults shown)'),
  })
  .strict()
  .meta({ id: 'Department' });
export type DepartmentView = z.infer<typeof departmentViewSchema>;

export const departmentListSchema = z.object({ items: z.array(departmentViewSchema) }).strict().meta({ id: 'DepartmentList' });

import { z } from 'zod';
import { urgencySchema } from './case-values';

/**
 * The category catalogue of a tier (部件/事件 categories with their extra attributes, the major
 * classes and the departments' names) as system-admin holds it (parameter `case-catalogue`) and
 * public-sentiment applies it. Shapes only; `validateCatalogue` in libs/domain checks the rest.
 */
const nameZh = z.string().trim().min(1).max(100);
const nameEn = z.string().trim().min(1).max(200);
const departmentCode = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'department codes are lower-case letters, digits and "-"');

export const attributeValueSchema = z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), nameZh, nameEn }).strict();

export const categoryAttributeSchema = z
  .object({
    code: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'attribute codes are lower-case letters, digits and "_"'),
    datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
    required: z.boolean(),
    descriptionZh: nameZh,
    descriptionEn: nameEn,
    order: z.number().int().min(1),
    values: z.array(attributeValueSchema).min(1).max(100).optional(),
    integer: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();

export const categorySchema = z
  .object({
    code: z.string().regex(/^(?:BJ|SJ)\d{4}$/, 'category codes are BJ or SJ and 4 digits, e.g. SJ0101'),
    family: z.enum(['object', 'event']),
    nameZh,
    nameEn,
    ownerDepartment: departmentCode,
    defaultUrgency: urgencySchema,
    keywords: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
    attributes: z.array(categoryAttributeSchema).max(30).optional(),
    sensitive: z.boolean().optional(),
  })
  .strict();

export const caseCatalogueSchema = z
  .object({
    categories: z.array(categorySchema).min(1).max(2000),
    majorClasses: z.array(z.object({ code: z.string().regex(/^(?:BJ|SJ)\d{2}$/, 'major classes are BJ or SJ and 2 digits'), nameZh, nameEn }).strict()).max(200),
    departments: z.record(departmentCode, z.object({ zh: nameZh, en: nameEn }).strict()),
  })
  .strict();
export type CaseCatalogueDocument = z.infer<typeof caseCatalogueSchema>;

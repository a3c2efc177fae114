import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';
import { FOCUS_CLASSES, HOUSE_USES, OBJECT_STATES, ORGANISATION_TYPES, RELATIONS, RESIDENCE_TYPES, RESIDENT_STATUSES, RESIDENT_TAGS } from './base-data';

const count = z.number().int().min(0);
const nextCursor = z.string().nullable().describe('Pass back as cursor for the next page; null on the last');

/** A unit at a glance (三知两清一掌握): what its grids hold. */
export const unitSummarySchema = z
  .object({
    unit: orgUnitCodeSchema,
    buildings: count,
    households: count,
    residents: z
      .object({
        total: count,
        byResidenceType: z.partialRecord(z.enum(RESIDENCE_TYPES), count),
        byFocusClass: z.partialRecord(z.enum(FOCUS_CLASSES), count),
        byTag: z.partialRecord(z.enum(RESIDENT_TAGS), count),
        partyMembers: count,
      })
      .strict(),
    organisations: z.object({ total: count, byType: z.partialRecord(z.enum(ORGANISATION_TYPES), count) }).strict(),
    objects: z.object({ total: count, byState: z.partialRecord(z.enum(OBJECT_STATES), count) }).strict(),
    openCases: count.nullable().describe('From public-sentiment; null when it cannot be reached'),
  })
  .strict()
  .meta({ id: 'UnitSummary' });
export type UnitSummary = z.infer<typeof unitSummarySchema>;

export const residentViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    sex: z.enum(['male', 'female']),
    birthDate: z.iso.date(),
    idNumber: z.string().describe('Always masked, e.g. 350206********1234'),
    phone: z.string().nullable().describe('Always masked'),
    householdCode: z.string(),
    relation: z.enum(RELATIONS),
    residenceType: z.enum(RESIDENCE_TYPES),
    focusClass: z.enum(FOCUS_CLASSES),
    tags: z.array(z.enum(RESIDENT_TAGS)),
    partyMember: z.boolean(),
    gridCode: orgUnitCodeSchema,
    address: z.string(),
    status: z.enum(RESIDENT_STATUSES).describe('active, or left the area, or deceased (lists show active residents unless asked)'),
    statusSince: z.iso.date().nullable().describe('When the resident left or died; null while active'),
  })
  .strict()
  .meta({ id: 'Resident' });
export type ResidentView = z.infer<typeof residentViewSchema>;

export const residentPageSchema = z
  .object({ items: z.array(residentViewSchema), nextCursor: z.string().nullable().describe('Pass back as cursor for the next page; null on the last') })
  .strict();
export type ResidentPage = z.infer<typeof residentPageSchema>;


export const houseViewSchema = z
  .object({
    code: z.string(),
    buildingCode: z.string(),
    address: z.string(),
    floor: z.number().int(),
    room: z.string(),
    areaM2: z.number(),
    use: z.enum(HOUSE_USES),
    households: count,
    residents: count.describe('Active residents of its households'),
    gridCode: orgUnitCodeSchema,
    version: z.number().int().positive(),
  })
  .strict()
  .meta({ id: 'House' });
export type HouseView = z.infer<typeof houseViewSchema>;
export const housePageSchema = z.object({ items: z.array(houseViewSchema), nextCursor }).strict();
export type HousePage = z.infer<typeof housePageSchema>;

export const householdViewSchema = z
  .object({
    code: z.string(),
    houseCode: z.string(),
    address: z.string(),
    gridCode: orgUnitCodeSchema,
    members: z.array(z.object({ id: z.uuid(), name: z.string(), relation: z.enum(RELATIONS) }).strict()).describe('Active members'),
    version: z.number().int().positive(),
  })
  .strict()
  .meta({ id: 'Household' });
export type HouseholdView = z.infer<typeof householdViewSchema>;
export const householdPageSchema = z
  .object({
    items: z.array(
      z
        .object({ code: z.string(), houseCode: z.string(), address: z.string(), gridCode: orgUnitCodeSchema, members: count.describe('Active members'), version: z.number().int().positive() })
        .strict(),
    ),
    nextCursor,
  })
  .strict();
export type HouseholdPage = z.infer<typeof householdPageSchema>;

export const cityObjectViewSchema = z
  .object({
    code: z.string(),
    classCode: z.string().regex(/^\d{4}$/),
    name: z.string(),
    ownerDepartment: z.string(),
    maintainer: z.string(),
    state: z.enum(OBJECT_STATES),
    location: z.object({ longitude: z.number(), latitude: z.number() }).strict(),
    gridCode: orgUnitCodeSchema,
    version: z.number().int().positive(),
  })
  .strict()
  .meta({ id: 'CityObject' });
export type CityObjectView = z.infer<typeof cityObjectViewSchema>;
export const cityObjectPageSchema = z.object({ items: z.array(cityObjectViewSchema), nextCursor }).strict();
export type CityObjectPage = z.infer<typeof cityObjectPageSchema>;

const point = z.object({ longitude: z.number(), latitude: z.number() }).strict();

export const organisationViewSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    type: z.enum(ORGANISATION_TYPES),
    address: z.string(),
    location: point,
    contactName: z.string().nullable(),
    contactPhone: z.string().nullable().describe('Always masked'),
    gridCode: orgUnitCodeSchema,
    version: z.number().int().positive(),
  })
  .strict()
  .meta({ id: 'Organisation' });
export type OrganisationView = z.infer<typeof organisationViewSchema>;
export const organisationPageSchema = z.object({ items: z.array(organisationViewSchema), nextCursor }).strict();
export type OrganisationPage = z.infer<typeof organisationPageSchema>;

export const buildingViewSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    address: z.string(),
    floors: z.number().int(),
    location: point,
    houses: count,
    gridCode: orgUnitCodeSchema,
    version: z.number().int().positive(),
  })
  .strict()
  .meta({ id: 'Building' });
export type BuildingView = z.infer<typeof buildingViewSchema>;
export const buildingPageSchema = z.object({ items: z.array(buildingViewSchema), nextCursor }).strict();
export type BuildingPage = z.infer<typeof buildingPageSchema>;

import { z } from 'zod';
import { FOCUS_CLASSES, RELATIONS, RESIDENCE_TYPES, RESIDENT_TAGS } from '@gm/contracts';
import { date } from '../records/http';

/** Bodies of the resident write API, also the bodies of the change proposals that become those writes. */
const tag = z.enum(RESIDENT_TAGS);

const householdCode = z.string().trim().min(1, 'householdCode is required').max(40);

export const addBody = z
  .object({
    idNumber: z.string().trim().min(1, 'idNumber is required').max(18, 'idNumber has 18 characters'),
    name: z.string().trim().min(1, 'name is required').max(50),
    phone: z.string().trim().max(20).optional(),
    householdCode,
    relation: z.enum(RELATIONS),
    residenceType: z.enum(RESIDENCE_TYPES),
    focusClass: z.enum(FOCUS_CLASSES).default('none'),
    tags: z.array(tag).max(RESIDENT_TAGS.length).default([]),
    partyMember: z.boolean().default(false),
  })
  .strict();

export const moveBody = z.object({ householdCode, relation: z.enum(RELATIONS).optional() }).strict();
export const endBody = z
  .object({
    date,
    reason: z.string().trim().max(500).optional(),
  })
  .strict();

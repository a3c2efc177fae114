import { z } from 'zod';
import { orgUnitCodeSchema } from '../cases/case-values';
import { caseCountsSchema, tierSummaryV1 } from './federation-events';

/** `GET /api/v1/federation/summary`: case counts of a tier's subtree. */
export const federationSummarySchema = z
  .object({
    tier: orgUnitCodeSchema,
    parent: orgUnitCodeSchema.nullable(),
    federated: z.boolean(),
    at: z.iso.datetime({ offset: true }),
    own: caseCountsSchema.describe('The cases this tier owns'),
    children: z.array(tierSummaryV1.schema).describe("Each child's latest summary of its subtree"),
    subtree: z.object({ tiers: z.array(orgUnitCodeSchema), counts: caseCountsSchema }).strict().describe('The sum: this tier and the children heard from'),
  })
  .strict();
export type FederationSummary = z.infer<typeof federationSummarySchema>;

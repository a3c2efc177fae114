import { z } from 'zod';
import { fieldErrorSchema } from '../errors/error-codes';

const count = z.number().int().min(0);
const ms = z.number().min(0);

/** The answer to a CSV import (org units, staff, base data): counts, and the rows refused with their line. */
export const csvImportResultSchema = z
  .object({
    importId: z.uuid(),
    kind: z.string(),
    rows: count,
    inserted: count,
    updated: count,
    unchanged: count,
    rejected: count,
    errors: z.array(fieldErrorSchema.strict()),
    durationMs: ms,
    rowsPerSecond: count,
    phasesMs: z.object({ stage: ms, check: ms, apply: ms }).strict().describe('Where the time went: reading, checking and staging rows; database checks; writing'),
  })
  .strict()
  .meta({ id: 'CsvImportResult' });
export type CsvImportResult = z.infer<typeof csvImportResultSchema>;

import { z } from 'zod';
import { errorCodeSchema, fieldErrorSchema } from './error-codes';

/** The body of every HTTP error answer (written by the ErrorFilter in libs/platform). */
export const errorBodySchema = z
  .object({
    statusCode: z.number().int().min(400).max(599),
    code: errorCodeSchema,
    message: z.string().describe("In the caller's language (Accept-Language; Chinese first), naming the offending fields"),
    detail: z.string().describe('English, for logs and developers'),
    errors: z.array(fieldErrorSchema.strict()).optional(),
    traceId: z.string().optional(),
  })
  .strict()
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

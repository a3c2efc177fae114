import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import { errorBodySchema } from '@gm/contracts';

/**
 * Documents a JSON answer by its zod schema. The conversion is @nestjs/swagger's (the schema's
 * output side, for OpenAPI 3.0: a nullable field gets `nullable: true`, which openapi-typescript
 * types as `T | null`; a schema with a meta id becomes a named component), the same as for request
 * bodies; a `z.toJSONSchema` of our own would default to JSON Schema 2020-12 (`anyOf` with null).
 */
export function ApiJsonResponse(status: number, description: string, schema: z.ZodType): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, standardSchema: schema });
}

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503;

/** Documents the errors a route answers, each status with what it means there; the body is always the ErrorFilter's. */
export function ApiErrorResponses(errors: Readonly<Partial<Record<ErrorStatus, string>>>): MethodDecorator & ClassDecorator {
  return applyDecorators(...Object.entries(errors).map(([status, description]) => ApiJsonResponse(Number(status), description, errorBodySchema)));
}

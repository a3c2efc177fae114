import { z } from 'zod';
import { defineEvent } from '../messaging/define-event';
import { caseCatalogueSchema } from '../cases/case-catalogue';
import { caseRulesSchema } from '../cases/case-rules';
import { assessmentSchemeSchema } from '../assessment/assessment-scheme';

/**
 * The run-time parameters of a tier that system-admin holds (versioned, with history) and other
 * services read over NATS: each key with the schema of its value. Version 0 is the default that
 * ships with the code (libs/domain).
 */
export const PARAMETERS = {
  'case-rules': { schema: caseRulesSchema, description: '案件规则 Case rules: time limits, escalation, working calendar, windows' },
  'case-catalogue': { schema: caseCatalogueSchema, description: '事部件分类 Category catalogue: categories with attributes, major classes, departments' },
  'assessment-scheme': { schema: assessmentSchemeSchema, description: '考核方案 Assessment scheme: indicators, weights, grades, one-vote vetoes' },
} as const;
export type ParameterKey = keyof typeof PARAMETERS;
export type ParameterValue<K extends ParameterKey> = z.infer<(typeof PARAMETERS)[K]['schema']>;
export const PARAMETER_KEYS = Object.keys(PARAMETERS) as [ParameterKey, ...ParameterKey[]];
export const parameterKeySchema = z.enum(PARAMETER_KEYS, `parameter key must be one of: ${PARAMETER_KEYS.join(', ')}`);

/** A parameter as stored: the value is checked against the key's schema by whoever reads it. */
export const parameterSnapshotSchema = z.object({
  key: parameterKeySchema,
  version: z.number().int().min(0),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
  value: z.unknown(),
});
export type ParameterSnapshot = z.infer<typeof parameterSnapshotSchema>;

/** `gm.parameter.changed.v1`: a parameter of the tier changed; its readers reload it. */
export const parameterChangedV1 = defineEvent({
  type: 'gm.parameter.changed.v1',
  aggregate: 'parameter',
  description: 'A run-time parameter of the tier (the case rules, the category catalogue) was changed by an administrator',
  schema: z.object({ key: parameterKeySchema, version: z.number().int().min(1), by: z.object({ subject: z.string().min(1), role: z.string().min(1) }) }),
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The official Open311 GeoReport v2 JSON Schemas, kept beside the repository (../shared). */
export const OPEN311_SCHEMA_DIR = join(__dirname, '../../../../shared/open311/georeport-v2');

export const OPEN311_SCHEMAS = ['service', 'services', 'service-definition', 'request', 'requests'] as const;
export type Open311Schema = (typeof OPEN311_SCHEMAS)[number];

export interface Open311Contract {
  /** Throws, listing ajv's complaints, when `value` does not validate against the named schema. */
  check(schema: Open311Schema, value: unknown): void;
}

/** Validators for the official schemas (ajv with formats: date-time, uri). */
export async function open311Contract(dir = OPEN311_SCHEMA_DIR): Promise<Open311Contract> {
  const { Ajv } = await import('ajv');
  // A CommonJS module whose function is also its own `default`: `.default.default` is what nodenext types.
  const addFormats = (await import('ajv-formats')).default.default;
  // The published schemas put array keywords next to $ref in `items`: not strict JSON Schema.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const name of OPEN311_SCHEMAS) ajv.addSchema(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as object, `${name}.json`);
  return {
    check(schema, value) {
      const validate = ajv.getSchema(`${schema}.json`);
      if (!validate) throw new Error(`no schema ${schema}`);
      if (!validate(value)) throw new Error(`not a valid Open311 ${schema}: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${JSON.stringify(value).slice(0, 2000)}`);
    },
  };
}

// Generates the console's API types from the committed OpenAPI documents (docs/openapi/*.json):
// a changed API breaks the web build (tsc), not the user. Output: src/shared/api/generated/ (not committed).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const docs = join(here, '../../../docs/openapi');
const out = join(here, '../src/shared/api/generated');
mkdirSync(out, { recursive: true });

for (const file of readdirSync(docs).filter((f) => f.endsWith('.json')).sort()) {
  const doc = JSON.parse(readFileSync(join(docs, file), 'utf8'));
  const ast = await openapiTS(doc, { alphabetize: true });
  const name = file.replace(/\.json$/, '');
  writeFileSync(join(out, `${name}.ts`), `// Generated from docs/openapi/${file} by scripts/api-types.mjs. Do not edit.\n${astToString(ast)}`);
}
console.log(`[web] API types generated in ${out}`);

/**
 * A corpus of bad requests for every operation of an OpenAPI document: what a careless client or
 * an attacker sends. For each operation, a plausible request is built from its schemas and then
 * spoiled one way at a time: malformed JSON, a body nested far too deep, the wrong content type,
 * a body of the wrong kind, and for every field, parameter and array: NUL, a lone surrogate, an
 * oversized string or array, the wrong type, junk; plus an unknown field. Pure: no I/O.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

interface OpenApiOperation {
  readonly operationId?: string;
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema?: Schema }[];
  readonly requestBody?: { content: Record<string, { schema?: Schema }> };
}

export interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly Json[];
  readonly const?: Json;
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: Schema;
  readonly properties?: Record<string, Schema>;
  readonly required?: readonly string[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly example?: Json;
  readonly default?: Json;
}

/** One request of the corpus. `field` names what was spoiled, when it was one field or parameter. */
export interface BadRequest {
  readonly operation: string;
  readonly method: string;
  /** The path with its parameters filled in and the query string appended, URL-encoded. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** What was spoiled, e.g. `body: NUL in description`, `query: junk in state`. */
  readonly what: string;
  /** The field or parameter spoiled (dotted path for body fields), when there is one. */
  readonly field?: string;
}

/** The `what` of each operation's first request: the sample from its schemas, not spoiled. */
export const UNSPOILED = 'the unspoiled sample';

const DEEP = 5000;
const LONG = 100_000;
const MANY = 20_000;

/** The corpus for every operation of the document (`/healthz`-style probes included). */
export function badRequests(doc: OpenApiDocument): BadRequest[] {
  const out: BadRequest[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      out.push(...forOperation(doc, path, method, op));
    }
  }
  return out;
}

function forOperation(doc: OpenApiDocument, path: string, method: string, op: OpenApiOperation): BadRequest[] {
  const operation = `${method.toUpperCase()} ${path}`;
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const pathValues = Object.fromEntries(pathParams.map((p) => [p.name, scalarText(sample(doc, p.schema ?? {}))]));
  const queryValues = Object.fromEntries(queryParams.filter((p) => p.required).map((p) => [p.name, scalarText(sample(doc, p.schema ?? {}))]));
  const jsonSchema = op.requestBody?.content['application/json']?.schema;
  const formSchema = op.requestBody?.content['application/x-www-form-urlencoded']?.schema;
  const goodBody = jsonSchema ? sample(doc, jsonSchema) : undefined;

  const url = (pv: Record<string, string>, qv: Record<string, string | string[]>) => {
    const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeSegment(pv[name] ?? 'x'));
    const query = Object.entries(qv)
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${encodeURIComponent(k)}=${encodeQuery(one)}`))
      .join('&');
    return query ? `${filled}?${query}` : filled;
  };
  const base = { operation, method: method.toUpperCase() };
  const json = { 'content-type': 'application/json' };
  const goodUrl = url(pathValues, queryValues);
  const cases: BadRequest[] = [];
  const withBody = (what: string, body: string, field?: string, headers: Record<string, string> = json) =>
    cases.push({ ...base, url: goodUrl, headers, body, what, ...(field !== undefined && { field }) });

  // First the unspoiled sample (what the others spoil): it too must not fail with a 5xx.
  cases.push({ ...base, url: goodUrl, headers: goodBody !== undefined ? json : {}, ...(goodBody !== undefined && { body: JSON.stringify(goodBody) }), what: UNSPOILED });
  // Path parameters: junk, NUL, a lone surrogate (as invalid UTF-8), far too long, a traversal.
  for (const p of pathParams) {
    for (const [label, value] of junkTexts()) {
      cases.push({ ...base, url: url({ ...pathValues, [p.name]: value }, queryValues), headers: goodBody !== undefined ? json : {}, ...(goodBody !== undefined && { body: JSON.stringify(goodBody) }), what: `path: ${label} in ${p.name}`, field: p.name });
    }
  }
  // Query parameters: the same, plus the parameter given twice and the wrong type.
  for (const p of queryParams) {
    const values: [string, string | string[]][] = [...junkTexts(), ['given twice', ['1', '2']], ['an empty value', '']];
    for (const [label, value] of values) {
      cases.push({ ...base, url: url(pathValues, { ...queryValues, [p.name]: value }), headers: goodBody !== undefined ? json : {}, ...(goodBody !== undefined && { body: JSON.stringify(goodBody) }), what: `query: ${label} in ${p.name}`, field: p.name });
    }
  }

  if (jsonSchema) {
    withBody('body: malformed JSON', '{"a": 1, ');
    withBody(`body: nested ${DEEP} deep`, `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`);
    withBody(`body: object nested ${DEEP} deep`, `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`);
    withBody('body: empty', '');
    withBody('body: null', 'null');
    withBody('body: an array', '[]');
    withBody('body: a string', '"text"');
    withBody('body: a number', '42');
    withBody('body: NUL in a key', JSON.stringify({ ...asObject(goodBody), 'a\u0000b': 1 }));
    withBody('body: an unknown field', JSON.stringify({ ...asObject(goodBody), unexpectedField: 'x' }), 'unexpectedField');
    withBody('content type: text/plain', JSON.stringify(goodBody), undefined, { 'content-type': 'text/plain' });
    withBody('content type: application/xml', '<a>1</a>', undefined, { 'content-type': 'application/xml' });
    withBody('content type: none', JSON.stringify(goodBody), undefined, {});
    for (const [field, spoiled, label] of spoiledBodies(doc, jsonSchema, goodBody)) withBody(`body: ${label} in ${field}`, JSON.stringify(spoiled), field);
  }
  if (formSchema) {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    withBody('form: NUL', 'a=%00', undefined, form);
    withBody('form: invalid UTF-8', 'a=%ED%A0%80', undefined, form);
    withBody('form: malformed escape', 'a=%zz', undefined, form);
    withBody('form: far too long', `a=${'x'.repeat(LONG)}`, undefined, form);
    withBody('form: JSON instead', '{"a":1}', undefined, form);
  }
  return cases;
}

/** Text values that no parameter should turn into a 5xx. Raw: encoded by the caller. */
function junkTexts(): [string, string][] {
  return [
    ['NUL', 'a\u0000b'],
    ['a lone surrogate', '\ud800'],
    ['far too long', 'x'.repeat(4000)],
    ['a traversal', '../../etc/passwd'],
    ['SQL', "1' OR '1'='1"],
    ['a negative number', '-1'],
    ['a huge number', '99999999999999999999999999'],
    ['unicode', '社区😀'],
  ];
}

/** `encodeURIComponent`, except that a lone surrogate becomes the invalid UTF-8 a client could send. */
function encodeQuery(v: string): string {
  return v.includes('\ud800') ? v.replace('\ud800', '%ED%A0%80').split('%ED%A0%80').map(encodeURIComponent).join('%ED%A0%80') : encodeURIComponent(v);
}
const encodeSegment = encodeQuery;

/** Every field of the body spoiled in turn: `[dotted path, the spoiled body, what was done]`. */
function spoiledBodies(doc: OpenApiDocument, schema: Schema, good: Json | undefined): [string, Json, string][] {
  const out: [string, Json, string][] = [];
  const visit = (s: Schema, path: string[]) => {
    const r = resolve(doc, s);
    const alt = r.oneOf ?? r.anyOf;
    if (alt && alt.length > 0) return visit(alt[0]!, path);
    const type = typeOf(r);
    const at = path.join('.');
    if (type === 'object' && r.properties) {
      for (const [name, child] of Object.entries(r.properties)) visit(child, [...path, name]);
      if (path.length > 0) {
        out.push([at, setAt(good, path, 'not an object'), 'a string instead of an object']);
        out.push([`${at}.unexpectedField`, setAt(good, [...path, 'unexpectedField'], 1), 'an unknown field']);
      }
      return;
    }
    if (path.length === 0) return;
    if (type === 'array') {
      const item = sample(doc, r.items ?? {});
      out.push([at, setAt(good, path, Array.from({ length: MANY }, () => item)), `${MANY} items`]);
      out.push([at, setAt(good, path, 'not an array'), 'a string instead of an array']);
      out.push([`${at}.0`, setAt(good, path, [{ nested: 'wrong' }]), 'an object as an item']);
      if (r.items && typeOf(resolve(doc, r.items)) === 'string') {
        out.push([`${at}.0`, setAt(good, path, ['a\u0000b']), 'NUL in an item']);
        out.push([`${at}.0`, setAt(good, path, ['\ud800']), 'a lone surrogate in an item']);
      }
      if (r.items && typeOf(resolve(doc, r.items)) === 'object') visit(r.items, [...path, '0']);
      return;
    }
    if (type === 'string') {
      out.push([at, setAt(good, path, 'a\u0000b'), 'NUL']);
      out.push([at, setAt(good, path, 'x\ud800y'), 'a lone surrogate']);
      out.push([at, setAt(good, path, 'x'.repeat(LONG)), `${LONG} characters`]);
      out.push([at, setAt(good, path, 12345), 'a number instead of a string']);
      out.push([at, setAt(good, path, { a: 1 }), 'an object instead of a string']);
      return;
    }
    if (type === 'number' || type === 'integer') {
      out.push([at, setAt(good, path, '12'), 'a string instead of a number']);
      out.push([at, setAt(good, path, 1e308), 'a huge number']);
      out.push([at, setAt(good, path, -1e308), 'a huge negative number']);
      if (type === 'integer') out.push([at, setAt(good, path, 1.5), 'a fraction']);
      return;
    }
    if (type === 'boolean') {
      out.push([at, setAt(good, path, 'true'), 'a string instead of a boolean']);
      return;
    }
    out.push([at, setAt(good, path, 'a\u0000b'), 'NUL']);
  };
  visit(schema, []);
  return out;
}

/** A value that the schema plausibly accepts (enums, formats, bounds), to spoil one field of. */
export function sample(doc: OpenApiDocument, schema: Schema, depth = 0): Json {
  const s = resolve(doc, schema);
  if (s.example !== undefined) return s.example;
  if (s.const !== undefined) return s.const;
  if (s.enum && s.enum.length > 0) return s.enum[0]!;
  if (s.default !== undefined) return s.default;
  const alt = s.oneOf ?? s.anyOf;
  if (alt && alt.length > 0) return sample(doc, alt[0]!, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x) => asObject(sample(doc, x, depth + 1)))) as Json;
  switch (typeOf(s)) {
    case 'object': {
      if (depth > 8 || !s.properties) return {};
      return Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, sample(doc, v, depth + 1)]));
    }
    case 'array':
      return depth > 8 ? [] : Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(doc, s.items ?? {}, depth + 1));
    case 'integer':
    case 'number':
      return s.minimum !== undefined ? Math.max(s.minimum, Math.min(s.maximum ?? s.minimum, 1)) : s.maximum !== undefined ? Math.min(s.maximum, 1) : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(s);
  }
}

function sampleString(s: Schema): string {
  switch (s.format) {
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'date-time':
      return '2026-01-01T00:00:00Z';
    case 'date':
      return '2026-01-01';
    case 'uri':
    case 'url':
      return 'https://example.org/hook';
    case 'email':
      return 'someone@example.org';
    default:
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
  }
}

function resolve(doc: OpenApiDocument, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 10 && cur.$ref; i++) cur = doc.components?.schemas?.[cur.$ref.replace('#/components/schemas/', '')] ?? {};
  return cur;
}

function typeOf(s: Schema): string | undefined {
  if (Array.isArray(s.type)) return (s.type as string[]).find((t) => t !== 'null');
  if (typeof s.type === 'string') return s.type;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return undefined;
}

function asObject(v: Json | undefined): Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function scalarText(v: Json): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : 'x';
}

/** A copy of `root` with the value at `path` replaced (objects and arrays along the way copied). */
function setAt(root: Json | undefined, path: readonly string[], value: Json): Json {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[Number(head)] = setAt(root[Number(head)], rest, value);
    return copy;
  }
  const obj = asObject(root);
  return { ...obj, [head]: setAt(obj[head], rest, value) };
}

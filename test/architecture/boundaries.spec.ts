/**
 * Architecture rules that Nx's project graph cannot state, checked over the source text (node:fs
 * only). Which project may depend on which (an app never on another app, a lib never on an app) is
 * project-graph.spec.ts's, on Nx's graph and the tags (ADR 0020). Here:
 *  - libs/contracts and libs/domain import no framework;
 *  - libs/domain imports nothing but @gm/contracts, Node built-ins and its own files.
 *
 *  - the browser console (apps/web) imports no server framework and no Node built-in;
 *  - public-sentiment's cases/ imports nothing from its federation/, and no source file of
 *    public-sentiment is over 300 lines.
 *
 * Only apps/*\/src and libs/*\/src are scanned (.ts and .tsx). test/ (e2e suites import several
 * apps on purpose) is not.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SERVICE_NAMES } from '@gm/contracts';

const ROOT = resolve(__dirname, '..', '..');

/** The seven services and the browser console. */
const APP_NAMES = [...SERVICE_NAMES, 'web'] as const;

// ---------------------------------------------------------------------------------------------
// A small tokenizer: enough of TypeScript's lexical grammar to tell code from comments, strings,
// template literals and regular expression literals, so that text inside those never counts as
// an import.
// ---------------------------------------------------------------------------------------------

type Token = { readonly kind: 'id' | 'str' | 'punct' | 'other'; readonly value: string };

const ID_START = /[A-Za-z_$\u00a0-\uffff]/;
const ID_PART = /[A-Za-z0-9_$\u00a0-\uffff]/;
/** After these keywords a `/` starts a regular expression, not a division. */
const REGEX_AFTER_KEYWORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;

  const regexAllowed = (): boolean => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === 'id') return REGEX_AFTER_KEYWORDS.has(prev.value);
    if (prev.kind === 'punct') return ![')', ']', '}'].includes(prev.value);
    return false; // after a string, number or template: division
  };

  /** Skips a quoted string starting at src[start]; returns the index after the closing quote. */
  const skipQuoted = (start: number): number => {
    const quote = src[start];
    let j = start + 1;
    while (j < n && src[j] !== quote) {
      if (src[j] === '\\') j++;
      else if (src[j] === '\n') break; // unterminated: stop at the line end
      j++;
    }
    return j + 1;
  };

  /** Skips a template literal starting at src[start] (a backtick), including `${…}` parts. */
  const skipTemplate = (start: number): number => {
    let j = start + 1;
    while (j < n) {
      const c = src[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '`') return j + 1;
      if (c === '$' && src[j + 1] === '{') {
        j = skipBraces(j + 1);
        continue;
      }
      j++;
    }
    return j;
  };

  /** Skips from an opening `{` to just after its matching `}`, minding strings, templates and comments. */
  const skipBraces = (start: number): number => {
    let depth = 0;
    let j = start;
    while (j < n) {
      const c = src[j];
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) return j + 1;
      } else if (c === "'" || c === '"') {
        j = skipQuoted(j);
        continue;
      } else if (c === '`') {
        j = skipTemplate(j);
        continue;
      } else if (c === '/' && src[j + 1] === '/') {
        const end = src.indexOf('\n', j);
        j = end === -1 ? n : end;
        continue;
      } else if (c === '/' && src[j + 1] === '*') {
        const end = src.indexOf('*/', j + 2);
        j = end === -1 ? n : end + 2;
        continue;
      }
      j++;
    }
    return j;
  };

  while (i < n) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end === -1 ? n : end;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      const end = skipQuoted(i);
      tokens.push({ kind: 'str', value: src.slice(i + 1, end - 1) });
      i = end;
    } else if (c === '`') {
      const end = skipTemplate(i);
      tokens.push({ kind: 'other', value: src.slice(i, end) });
      i = end;
    } else if (c === '/' && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        const d = src[j];
        if (d === '\\') j++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < n && /[a-z]/i.test(src[j] as string)) j++; // flags
      tokens.push({ kind: 'other', value: src.slice(i, j) });
      i = j;
    } else if (ID_START.test(c)) {
      let j = i + 1;
      while (j < n && ID_PART.test(src[j] as string)) j++;
      tokens.push({ kind: 'id', value: src.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9a-zA-Z_.]/.test(src[j] as string)) j++;
      tokens.push({ kind: 'other', value: src.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', value: c });
      i++;
    }
  }
  return tokens;
}

/**
 * Every module specifier a source file refers to: `import … from`, `import '…'`, `export … from`,
 * `import('…')`, `import x = require('…')` and `require('…')`.
 */
function importSpecifiers(src: string): string[] {
  const t = tokenize(src);
  const out: string[] = [];
  const at = (k: number) => t[k];
  const is = (k: number, kind: Token['kind'], value?: string) => {
    const tok = t[k];
    return tok !== undefined && tok.kind === kind && (value === undefined || tok.value === value);
  };

  /** From k, scans a clause up to `from '<spec>'`, giving up at a `;` or after 400 tokens. */
  const scanToFrom = (k: number): void => {
    for (let j = k; j < t.length && j < k + 400; j++) {
      if (is(j, 'punct', ';')) return;
      if (is(j, 'id', 'from') && is(j + 1, 'str')) {
        out.push((at(j + 1) as Token).value);
        return;
      }
      if (is(j, 'str')) return;
      if (is(j, 'id', 'require') && is(j + 1, 'punct', '(')) return; // handled below
    }
  };

  for (let k = 0; k < t.length; k++) {
    const afterDot = is(k - 1, 'punct', '.');
    if (is(k, 'id', 'import') && !afterDot) {
      if (is(k + 1, 'punct', '(') && is(k + 2, 'str')) out.push((at(k + 2) as Token).value); // import('…')
      else if (is(k + 1, 'str')) out.push((at(k + 1) as Token).value); // import '…'
      else if (!is(k + 1, 'punct', '.')) scanToFrom(k + 1); // import … from '…' (not import.meta)
    } else if (is(k, 'id', 'export') && !afterDot) {
      let j = k + 1;
      if (is(j, 'id', 'type')) j++;
      if (is(j, 'punct', '*')) scanToFrom(j);
      else if (is(j, 'punct', '{')) {
        let depth = 0;
        for (; j < t.length; j++) {
          if (is(j, 'punct', '{')) depth++;
          else if (is(j, 'punct', '}') && --depth === 0) break;
        }
        if (is(j + 1, 'id', 'from') && is(j + 2, 'str')) out.push((at(j + 2) as Token).value);
      }
    } else if (is(k, 'id', 'require') && !afterDot && is(k + 1, 'punct', '(') && is(k + 2, 'str') && is(k + 3, 'punct', ')')) {
      out.push((at(k + 2) as Token).value);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The source tree.
// ---------------------------------------------------------------------------------------------

interface SourceFile {
  /** Absolute path. */
  readonly path: string;
  /** Path from the repository root, with forward slashes. */
  readonly rel: string;
  /** `apps` or `libs`. */
  readonly area: 'apps' | 'libs';
  /** Folder name under apps/ or libs/. */
  readonly project: string;
  readonly specifiers: readonly string[];
}

function listTs(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listTs(full));
    else if (entry.isFile() && /\.tsx?$/.test(entry.name)) files.push(full);
  }
  return files;
}

function projects(area: 'apps' | 'libs'): string[] {
  return readdirSync(join(ROOT, area), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, area, e.name, 'src')))
    .map((e) => e.name)
    .sort();
}

function scan(area: 'apps' | 'libs'): SourceFile[] {
  return projects(area).flatMap((project) =>
    listTs(join(ROOT, area, project, 'src')).map((path) => ({
      path,
      rel: relative(ROOT, path).split(sep).join('/'),
      area,
      project,
      specifiers: importSpecifiers(readFileSync(path, 'utf8')),
    })),
  );
}

const isRelative = (spec: string) => spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
const isPathLike = (spec: string) => isRelative(spec) || isAbsolute(spec);
/** Where a relative or absolute specifier points to. */
const target = (file: SourceFile, spec: string) => (isAbsolute(spec) ? resolve(spec) : resolve(dirname(file.path), spec));
const inside = (dir: string, path: string) => {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};


const FRAMEWORK = /^(?:@nestjs\/|@mikro-orm\/|@nats-io\/|@fastify\/|fastify(?:\/|$)|pg(?:\/|$)|nats(?:\/|$))/;

const isBuiltin = (spec: string) =>
  spec.startsWith('node:') || builtinModules.includes(spec) || builtinModules.includes(spec.split('/')[0] as string);

type Violation = `${string}: ${string}`;

// ---------------------------------------------------------------------------------------------
// The scanner itself.
// ---------------------------------------------------------------------------------------------

describe('importSpecifiers', () => {
  it('finds static imports in all their forms', () => {
    const src = [
      "import { a } from './a';",
      "import b from \"b-pkg\";",
      "import * as c from '@scope/c';",
      "import type { D } from './d';",
      "import e, { f, type G } from './ef';",
      'import {',
      '  h,',
      '  i as j,',
      "} from '../multi-line';",
      "import 'reflect-metadata';",
      "import k = require('legacy');",
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./a', 'b-pkg', '@scope/c', './d', './ef', '../multi-line', 'reflect-metadata', 'legacy']);
  });

  it('finds re-exports', () => {
    const src = [
      "export * from './all';",
      "export * as ns from './ns';",
      "export { x, y as z } from './xy';",
      "export type { T } from './types';",
      'export {',
      '  p,',
      "} from '@gm/multi';",
      'export { local };',
      "export const notAnImport = 'from';",
      "export default function f() { return 'x'; }",
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./all', './ns', './xy', './types', '@gm/multi']);
  });

  it('finds dynamic imports and require calls', () => {
    const src = [
      "const m = await import('./dyn.js');",
      'const n = import("@gm/gis");',
      "const { x } = await import( '../spaced' );",
      "const r = require('pg');",
      'const meta = import.meta;',
      "obj.import('not-a-module'); obj.require('nor-this');",
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./dyn.js', '@gm/gis', '../spaced', 'pg']);
  });

  it('ignores comments, strings, template literals and regular expressions', () => {
    const src = [
      "// import { a } from '@gm/gis';",
      "/* export * from '../../apps/gis/src/main';",
      "   import('@nestjs/core') */",
      "/** e.g. `import x from 'fastify'` */",
      "const s = \"import y from '@gm/base-data'\";",
      "const t = `import z from '@mikro-orm/core' ${\"import('pg')\"}`;",
      "const re = /import q from '(x)'/g;",
      "const url = 'nats://localhost:4222'; import { real } from './real';",
      "const glob = 'apps/*/src'; import { after } from './after-glob';",
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./real', './after-glob']);
  });

  it('keeps division apart from regular expressions', () => {
    const src = ["const half = total / 2; const q = a / b / c;", "import { x } from './after-division';"].join('\n');
    expect(importSpecifiers(src)).toEqual(['./after-division']);
  });
});

// ---------------------------------------------------------------------------------------------
// The rules.
// ---------------------------------------------------------------------------------------------

describe('architecture boundaries', () => {
  const appFiles = scan('apps');
  const libFiles = scan('libs');
  const appDirs = projects('apps');

  it('scans the seven apps, the console and the libs', () => {
    expect(appDirs).toEqual([...APP_NAMES].sort());
    for (const app of APP_NAMES) expect(appFiles.some((f) => f.project === app)).toBe(true);
    for (const lib of ['contracts', 'domain', 'platform']) expect(libFiles.some((f) => f.project === lib)).toBe(true);
    expect(appFiles.every((f) => f.rel.startsWith('apps/'))).toBe(true);
    expect(libFiles.every((f) => f.rel.startsWith('libs/'))).toBe(true);
    // The scanner sees the imports we know exist.
    const domainIndex = libFiles.find((f) => f.rel === 'libs/domain/src/index.ts');
    expect(domainIndex?.specifiers).toContain('./org-units/org-unit-code');
    const gisMain = appFiles.find((f) => f.rel === 'apps/gis/src/main.ts');
    expect(gisMain?.specifiers).toEqual(expect.arrayContaining(['@gm/platform/run', './config/config', './app.module.js']));
    const all = new Set([...appFiles, ...libFiles].flatMap((f) => f.specifiers));
    expect([...all]).toEqual(expect.arrayContaining(['@gm/contracts', '@gm/domain', '@nestjs/common', 'zod', 'node:crypto']));
  });

  it('the browser console imports no server framework and no Node built-in', () => {
    const files = appFiles.filter((f) => f.project === 'web');
    expect(files.some((f) => f.rel.endsWith('.tsx'))).toBe(true);
    const violations: Violation[] = files.flatMap((file) =>
      file.specifiers.filter((spec) => FRAMEWORK.test(spec) || isBuiltin(spec)).map((spec): Violation => `${file.rel}: '${spec}' does not run in a browser`),
    );
    expect(violations).toEqual([]);
  });

  it("public-sentiment's cases/ imports nothing from federation/ (federation listens to cases' step events)", () => {
    const casesDir = join(ROOT, 'apps/public-sentiment/src/cases');
    const federationDir = join(ROOT, 'apps/public-sentiment/src/federation');
    const files = appFiles.filter((f) => inside(casesDir, f.path));
    expect(files.some((f) => f.rel.endsWith('case-workflow.service.ts'))).toBe(true);
    const violations: Violation[] = files.flatMap((file) =>
      file.specifiers.filter((spec) => isPathLike(spec) && inside(federationDir, target(file, spec))).map((spec): Violation => `${file.rel}: '${spec}' is federation/`),
    );
    expect(violations).toEqual([]);
  });

  it('no source file of public-sentiment is over 300 lines (tests aside): each does one thing', () => {
    const files = appFiles.filter((f) => f.project === 'public-sentiment' && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(f.rel));
    expect(files.length).toBeGreaterThan(30);
    const long: Violation[] = files.flatMap((f): Violation[] => {
      const lines = readFileSync(f.path, 'utf8').split('\n').length - 1;
      return lines > 300 ? [`${f.rel}: ${lines} lines`] : [];
    });
    expect(long).toEqual([]);
  });

  it.each([['contracts'], ['domain']])('libs/%s imports no framework', (lib) => {
    const files = libFiles.filter((f) => f.project === lib);
    expect(files.length).toBeGreaterThan(0);
    const violations: Violation[] = files.flatMap((file) =>
      file.specifiers.filter((spec) => FRAMEWORK.test(spec)).map((spec): Violation => `${file.rel}: '${spec}' is a framework`),
    );
    expect(violations).toEqual([]);
  });

  it('libs/domain imports only @gm/contracts, Node built-ins and its own files', () => {
    const domainDir = join(ROOT, 'libs', 'domain');
    const files = libFiles.filter((f) => f.project === 'domain');
    const violations: Violation[] = [];
    for (const file of files) {
      for (const spec of file.specifiers) {
        if (spec === '@gm/contracts' || isBuiltin(spec)) continue;
        if (isPathLike(spec) && inside(domainDir, target(file, spec))) continue;
        violations.push(`${file.rel}: '${spec}'`);
      }
    }
    expect(violations).toEqual([]);
  });

  describe('the rules catch violations', () => {
    // The same checks, on synthetic files, so that a scanner that finds nothing cannot pass.
    const fake = (rel: string, src: string): SourceFile => {
      const [area, project] = rel.split('/') as ['apps' | 'libs', string];
      return { path: join(ROOT, rel), rel, area, project, specifiers: importSpecifiers(src) };
    };

    it('a file of cases/ importing federation/', () => {
      const file = fake('apps/public-sentiment/src/cases/x.ts', "import { FederationOutbound } from '../federation/federation-outbound'; import { Case } from './case.entity';");
      const federationDir = join(ROOT, 'apps/public-sentiment/src/federation');
      expect(file.specifiers.filter((s) => isPathLike(s) && inside(federationDir, target(file, s)))).toEqual(['../federation/federation-outbound']);
    });

    it('framework packages', () => {
      for (const spec of ['@nestjs/common', '@mikro-orm/core', '@nats-io/jetstream', 'fastify', 'fastify/types', '@fastify/static', 'pg', 'pg/lib/client']) {
        expect(FRAMEWORK.test(spec)).toBe(true);
      }
      for (const spec of ['zod', 'pgp', 'fastify-like', '@gm/platform', 'node:crypto', './pg']) {
        expect(FRAMEWORK.test(spec)).toBe(false);
      }
    });

    it('Node built-ins with and without the node: prefix', () => {
      for (const spec of ['node:crypto', 'crypto', 'fs/promises', 'node:test']) expect(isBuiltin(spec)).toBe(true);
      for (const spec of ['zod', '@gm/contracts', 'cryptography']) expect(isBuiltin(spec)).toBe(false);
    });
  });
});

/**
 * The image builds from exactly what `.dockerignore` lets through: the repository is copied into
 * a temporary folder through the same filter Docker applies (./dockerignore.ts), and the
 * Dockerfile's own RUN steps of its `build` and `dist` stages run there. Once, `bench/` was left
 * out while the build still referenced it (TS5083), and nothing noticed: a folder dropped from
 * the context that the build needs now fails here.
 *
 * Two stand-ins keep it fast and offline. `npm ci` is checked with `--dry-run` on the manifests
 * stage (package files only: is the lockfile in step with the workspaces that are in the context?)
 * and then replaced by links to this repository's installed packages; the workspace links
 * (`node_modules/@gm/*`, relative) are made again inside the copy, so that `@gm/auth` there is the
 * copy's libs/auth and never this repository's. And the `dist` stage writes into the temporary
 * folder instead of `/out`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { SERVICE_NAMES } from '@gm/contracts';
import { copyContext } from './dockerignore';

const ROOT = resolve(__dirname, '../..');
const DOCKERFILE = join(ROOT, 'deploy/docker/Dockerfile');

interface Stage {
  readonly name: string;
  readonly from: string;
  /** RUN commands, continuation lines joined, BuildKit flags (`--mount=…`) dropped. */
  readonly runs: string[];
}

function stages(dockerfile: string): Stage[] {
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: { name: string; from: string; runs: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[2] ?? '', from: from[1]!, runs: [] });
    else if (/^RUN\s/i.test(line)) out.at(-1)?.runs.push(line.replace(/^RUN\s+/i, '').replace(/^(--[\w-]+=\S+\s+)+/, ''));
  }
  return out;
}

function sh(command: string, cwd: string): void {
  const res = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) {
    const tail = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`\`${command}\` failed in the filtered context (exit ${res.status ?? res.signal}):\n${tail}`);
  }
}

/** The workspace folders of package.json (`libs/*`, `deploy/local`, …) that exist under `root`. */
function workspaces(root: string): string[] {
  const globs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  return globs.flatMap((g) => {
    if (!g.endsWith('/*')) return existsSync(join(root, g, 'package.json')) ? [g] : [];
    const parent = g.slice(0, -2);
    if (!existsSync(join(root, parent))) return [];
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, parent, e.name, 'package.json')))
      .map((e) => `${parent}/${e.name}`);
  });
}

/**
 * `from`'s installed packages as `to`'s: every entry a link to the original, except the
 * relative links npm made for workspaces, which are made again as they are (so they resolve
 * inside `to`) when the workspace is there.
 */
function linkNodeModules(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink() && !readlinkSync(source).startsWith('/')) {
      // A workspace the context does not hold (bench/) gets no link, as with npm ci.
      if (existsSync(resolve(to, readlinkSync(source)))) symlinkSync(readlinkSync(source), target);
    }
    else if (entry.name.startsWith('@') && entry.isDirectory() && readdirSync(source).some((e) => lstatSync(join(source, e)).isSymbolicLink())) linkNodeModules(source, target);
    else symlinkSync(source, target);
  }
}

describe('the image build context (.dockerignore, deploy/docker/Dockerfile)', () => {
  let dir: string;
  let context: string;
  let files: string[];
  const build = stages(readFileSync(DOCKERFILE, 'utf8'));
  const stage = (name: string) => {
    const s = build.find((x) => x.name === name);
    if (!s) throw new Error(`deploy/docker/Dockerfile has no stage ${name}`);
    return s;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gm-image-context-'));
    context = join(dir, 'app');
    files = copyContext(ROOT, context);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves out installed packages, build output and local state, and keeps the Dockerfile\'s own inputs', () => {
    expect(files.filter((f) => /(^|\/)(node_modules|dist)\//.test(f) || /^(\.git|\.local|\.tools|test|bench|k8s)\//.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'deploy/docker/entrypoint.sh', 'deploy/docker/tsconfig.build.json']));
  });

  it('installs: the lockfile is in step with the workspaces the context holds (npm ci --dry-run on the manifests stage)', () => {
    const manifests = join(dir, 'manifests');
    sh(`cp -R '${context}' '${manifests}'`, dir);
    for (const run of stage('manifests').runs) sh(run, manifests);
    expect(readdirSync(manifests).sort()).toEqual(expect.arrayContaining(['package-lock.json', 'package.json']));
    const ci = stage('build').runs.find((r) => /\bnpm ci\b/.test(r));
    expect(ci).toBeDefined();
    sh(`${ci} --dry-run --offline --ignore-scripts`, manifests);
  });

  it('builds every service, its libs and the console there, with the Dockerfile\'s own steps, and the dist stage finds every output', () => {
    const started = performance.now();
    // npm ci → the repository's packages, with the workspace links inside the copy.
    for (const ws of ['.', ...workspaces(context)]) {
      if (existsSync(join(ROOT, ws, 'node_modules'))) linkNodeModules(join(ROOT, ws, 'node_modules'), join(context, ws, 'node_modules'));
    }
    for (const name of readdirSync(join(context, 'node_modules/@gm'))) {
      const real = realpathSync(join(context, 'node_modules/@gm', name));
      expect({ name, inside: relative(context, real).startsWith('..') ? real : 'the copy' }).toEqual({ name, inside: 'the copy' });
    }

    for (const run of stage('build').runs.filter((r) => !/\bnpm ci\b/.test(r))) sh(run, context);
    const out = join(dir, 'out');
    for (const run of stage('dist').runs) sh(run.replaceAll('/out', out), context);

    for (const service of SERVICE_NAMES) expect({ service, main: existsSync(join(out, 'apps', service, 'dist/main.js')) }).toEqual({ service, main: true });
    expect(existsSync(join(out, 'apps/web/dist/index.html'))).toBe(true);
    expect(existsSync(join(out, 'libs/testing'))).toBe(false);
    process.stdout.write(`[image-context] build and dist stages in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }, 300_000);
});

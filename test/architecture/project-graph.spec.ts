/**
 * Project-level rules, on Nx's project graph (ADR 0020): which project may depend on which, by the
 * tags in each package.json (`nx.tags`). Nx finds the dependencies itself from the sources (imports
 * by package name and by relative path into another project). What Nx cannot state (a framework
 * package in a lib, a Node built-in in the browser console, one folder of an app importing another)
 * stays in boundaries.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

interface Graph {
  readonly nodes: Readonly<Record<string, { readonly data: { readonly root: string; readonly tags?: readonly string[] } }>>;
  readonly dependencies: Readonly<Record<string, readonly { readonly source: string; readonly target: string }[]>>;
}

/** Which tags a project with `tag` may depend on; a project's own tags decide. */
const RULES: readonly { readonly tag: string; readonly onlyOn: readonly string[]; readonly why: string }[] = [
  { tag: 'type:app', onlyOn: ['type:lib', 'scope:test-data'], why: 'an app depends on libs only (and its tests on the test-data generator), never on another app' },
  { tag: 'type:lib', onlyOn: ['type:lib'], why: 'a lib never depends on an app or a tool' },
  { tag: 'scope:contracts', onlyOn: [], why: 'libs/contracts depends on no other project' },
  { tag: 'scope:telemetry', onlyOn: [], why: 'libs/telemetry depends on no other project' },
  { tag: 'scope:domain', onlyOn: ['scope:contracts'], why: 'libs/domain depends on libs/contracts only' },
];

/** Every dependency that breaks a rule, as `source → target: why`. */
export function violations(graph: Graph): string[] {
  const tags = (p: string) => graph.nodes[p]?.data.tags ?? [];
  const out: string[] = [];
  for (const [source, deps] of Object.entries(graph.dependencies)) {
    for (const { target } of deps) {
      if (!graph.nodes[target]) continue; // an npm package: boundaries.spec.ts's concern
      for (const rule of RULES) {
        if (tags(source).includes(rule.tag) && !tags(target).some((t) => rule.onlyOn.includes(t))) out.push(`${source} → ${target}: ${rule.why}`);
      }
    }
  }
  return out.sort();
}

function projectGraph(): Graph {
  const dir = mkdtempSync(join(tmpdir(), 'gm-nx-graph-'));
  try {
    const file = join(dir, 'graph.json');
    execFileSync(process.execPath, [require.resolve('nx', { paths: [ROOT] }), 'graph', `--file=${file}`], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true' },
      stdio: 'pipe',
    });
    return (JSON.parse(readFileSync(file, 'utf8')) as { graph: Graph }).graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("project boundaries on Nx's project graph", () => {
  let graph: Graph;
  beforeAll(() => {
    graph = projectGraph();
  }, 60_000);

  it('has every workspace project, each tagged app, lib or tool', () => {
    const names = Object.keys(graph.nodes).filter((n) => n.startsWith('@gm/'));
    expect(names.length).toBe(19);
    for (const n of names) expect(graph.nodes[n]!.data.tags?.filter((t) => t.startsWith('type:'))).toHaveLength(1);
    // Nx sees the dependencies we know exist.
    const deps = (p: string) => (graph.dependencies[p] ?? []).map((d) => d.target);
    expect(deps('@gm/public-sentiment')).toEqual(expect.arrayContaining(['@gm/contracts', '@gm/domain', '@gm/messaging', '@gm/platform']));
    expect(deps('@gm/domain')).toEqual(['@gm/contracts']);
  });

  it('no dependency breaks a rule of the tags', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('the rules catch an app on another app, a lib on an app and the domain on a lib other than contracts', () => {
    const node = (tags: string[]) => ({ data: { root: '', tags } });
    const bad: Graph = {
      nodes: {
        a: node(['type:app']),
        b: node(['type:app']),
        l: node(['type:lib', 'scope:messaging']),
        d: node(['type:lib', 'scope:domain']),
        c: node(['type:lib', 'scope:contracts']),
      },
      dependencies: {
        a: [{ source: 'a', target: 'b' }, { source: 'a', target: 'l' }, { source: 'a', target: 'npm:zod' }],
        l: [{ source: 'l', target: 'a' }],
        d: [{ source: 'd', target: 'l' }, { source: 'd', target: 'c' }],
        c: [{ source: 'c', target: 'd' }],
      },
    };
    expect(violations(bad)).toEqual([
      'a → b: an app depends on libs only (and its tests on the test-data generator), never on another app',
      'c → d: libs/contracts depends on no other project',
      'd → l: libs/domain depends on libs/contracts only',
      'l → a: a lib never depends on an app or a tool',
    ]);
  });
});

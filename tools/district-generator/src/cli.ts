#!/usr/bin/env node
/**
 * generate-district [--seed N] [--out DIR] [--scale X] [--streets N] [--grids-per-community R×C] [--defects]
 *
 * Writes a synthetic district (GeoJSON + CSV) to DIR (default .local/district). Deterministic: the
 * same options always give the same files.
 */
import { resolve } from 'node:path';
import { DEFAULT_OPTIONS, generateDistrict, type GenerateOptions } from './generate';

function parse(argv: readonly string[]): GenerateOptions {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) flags.add(a.slice(2));
    else {
      args.set(a.slice(2), next);
      i++;
    }
  }
  const num = (name: string, fallback: number) => {
    const v = args.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  let gridRows = DEFAULT_OPTIONS.gridRows;
  let gridCols = DEFAULT_OPTIONS.gridCols;
  const gpc = args.get('grids-per-community');
  if (gpc) {
    const m = /^(\d+)x(\d+)$/.exec(gpc);
    if (!m) throw new Error('--grids-per-community must look like 9x10 (rows x columns, at most 99 in all)');
    gridRows = [Number(m[1]), Number(m[1])];
    gridCols = [Number(m[2]), Number(m[2])];
  }
  return {
    ...DEFAULT_OPTIONS,
    seed: args.get('seed') ?? DEFAULT_OPTIONS.seed,
    out: resolve(args.get('out') ?? '.local/district'),
    scale: num('scale', DEFAULT_OPTIONS.scale),
    streets: num('streets', DEFAULT_OPTIONS.streets),
    gridRows,
    gridCols,
    defects: flags.has('defects'),
  };
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const started = performance.now();
  let last = 0;
  const manifest = await generateDistrict({
    ...opts,
    onProgress: (_file, rows) => {
      const now = performance.now();
      if (now - last > 1000) {
        last = now;
        process.stderr.write(`\r[generate] residents ${rows.toLocaleString('en')}…`);
      }
    },
  });
  process.stderr.write(`\r[generate] done in ${((performance.now() - started) / 1000).toFixed(1)} s → ${opts.out}\n`);
  process.stdout.write(`${JSON.stringify(manifest.counts)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`generate-district: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});

/**
 * Import of ~1,000,000 residents (default seed) through base-data's import command — parsed,
 * checked row by row, ID and phone numbers encrypted and hashed, staged by COPY, checked against
 * households, upserted with history — beside `psql \copy` of the same CSV into a table of its own
 * columns, in the same run, on the same server.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { childrenCpuMs, district, machine, pgBin, postgresCpuMs, say, tier } from './common';

async function main(): Promise<void> {
  const dir = await district('district-default', {});
  const t = await tier();
  try {
    const sa = await t.service('system-admin');
    const gis = await t.service('gis');
    for (const [service, args] of [
      ['system-admin', ['import-org-units', join(dir, 'org-units.csv')]],
      ['gis', ['import-boundaries', join(dir, 'boundaries.geojson')]],
      ['base-data', ['import', 'buildings', join(dir, 'buildings.csv')]],
      ['base-data', ['import', 'houses', join(dir, 'houses.csv')]],
      ['base-data', ['import', 'households', join(dir, 'households.csv')]],
    ] as const) {
      const r = t.cli(service, [...args]);
      if (r.code !== 0) throw new Error(`${service} ${args[0]} failed: ${r.stderr}`);
    }
    const file = join(dir, 'residents.csv');
    // CPU of the import (all its threads) and of PostgreSQL (its backend, checkpoints, WAL writer).
    const measured = (args: string[]) => {
      const cli0 = childrenCpuMs();
      const pg0 = postgresCpuMs();
      const r = t.cli('base-data', args);
      return { ...r, cpu: `${((childrenCpuMs() - cli0) / 1000).toFixed(1)} / ${((postgresCpuMs() - pg0) / 1000).toFixed(1)}` };
    };
    const first = measured(['import', 'residents', file]);
    if (first.code !== 0) throw new Error(first.stderr);
    const again = measured(['import', 'residents', file]);

    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    await c.query(`CREATE TABLE bench_raw (id_number text, name text, phone text, household_code text, relation text, residence_type text,
                   focus_class text, tags text, party_member text, grid_code text)`);
    await c.end();
    const [copyCli0, copyPg0] = [childrenCpuMs(), postgresCpuMs()];
    const started = performance.now();
    const copy = spawnSync(pgBin('psql'), [t.db.url, '-q', '-c', `\\copy bench_raw FROM '${file}' CSV HEADER`], { encoding: 'utf8' });
    const copySeconds = (performance.now() - started) / 1000;
    if (copy.status !== 0) throw new Error(copy.stderr);
    const copyCpu = `${((childrenCpuMs() - copyCli0) / 1000).toFixed(1)} / ${((postgresCpuMs() - copyPg0) / 1000).toFixed(1)}`;

    const phases = (s: string) => /\[stage ([\d.]+) s, check ([\d.]+) s, write ([\d.]+) s\]/.exec(s)?.slice(1).join(' / ') ?? '?';
    const rows = /([\d,]+) rows in/.exec(first.stderr)?.[1] ?? '?';
    say(`\n## Residents import (${rows} rows) — ${new Date().toISOString().slice(0, 10)}, ${machine()}`);
    say('| run | wall time | stage / check / write (s) | CPU s: import / PostgreSQL | ratio to \\copy |');
    say('|---|---|---|---|---|');
    say(`| base-data import, first load (empty table) | ${first.seconds.toFixed(1)} s | ${phases(first.stderr)} | ${first.cpu} | ${(first.seconds / copySeconds).toFixed(1)}× |`);
    say(`| base-data import, same file again (nothing changes) | ${again.seconds.toFixed(1)} s | ${phases(again.stderr)} | ${again.cpu} | ${(again.seconds / copySeconds).toFixed(1)}× |`);
    say(`| baseline: psql \\copy of the CSV into a table of its columns | ${copySeconds.toFixed(1)} s | — | ${copyCpu} | 1.0× |`);
    await sa.stop();
    await gis.stop();
  } finally {
    await t.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

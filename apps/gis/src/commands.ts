import { readFileSync } from 'node:fs';
import { DomainError } from '@gm/contracts';
import type { ContextCommand } from '@gm/platform/run';
import type { AppConfig } from './config/config';
import { BoundaryImportService } from './boundaries/boundary-import.service';
import { CoverageService } from './coverage/coverage.service';

/** Shell commands: `node main.js import-boundaries FILE`, `node main.js coverage CODE [--deep]`. */
export const commands: Record<string, ContextCommand<AppConfig>> = {
  'import-boundaries': {
    usage: '<file.geojson>',
    async run({ app, args }) {
      const file = args[0];
      if (!file) throw new Error('usage: import-boundaries <file.geojson>');
      try {
        const report = await app.get(BoundaryImportService).import(readFileSync(file, 'utf8'), 'cli');
        const { problems, ...summary } = report.coverage;
        process.stdout.write(`${JSON.stringify({ ...report, coverage: summary }, null, 2)}\n`);
        for (const p of problems) process.stdout.write(`coverage: ${p.kind} in ${p.unit} ${p.children.join(' ')} ${p.areaM2} m²\n`);
        return 0;
      } catch (err) {
        return reportFailure(err);
      }
    },
  },
  coverage: {
    usage: '<unit code> [--deep]',
    async run({ app, args }) {
      const code = args[0];
      if (!code) throw new Error('usage: coverage <unit code> [--deep]');
      try {
        const report = await app.get(CoverageService).check(code, args.includes('--deep'));
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return report.problems.length === 0 ? 0 : 3;
      } catch (err) {
        return reportFailure(err);
      }
    },
  },
};

function reportFailure(err: unknown): number {
  if (!(err instanceof DomainError)) throw err;
  process.stderr.write(`${err.code}: ${err.message}\n`);
  for (const e of err.fieldErrors) process.stderr.write(`  ${e.line !== undefined ? `feature ${e.line}: ` : ''}${e.field}: ${e.message}\n`);
  return 1;
}

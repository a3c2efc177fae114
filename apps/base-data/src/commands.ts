import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { baseDataKindSchema, DomainError } from '@gm/contracts';
import { progressPrinter } from '@gm/platform';
import type { ContextCommand } from '@gm/platform/run';
import type { AppConfig } from './config/config';
import { BaseDataImportService, IMPORT_ORDER } from './imports/import.service';
import { ResidentService } from './residents/resident.service';

async function importFile(svc: BaseDataImportService, kind: (typeof IMPORT_ORDER)[number], file: string, partial: boolean): Promise<number> {
  process.stderr.write(`[import] ${kind} ← ${file}\n`);
  try {
    const r = await svc.import(kind, createReadStream(file, { highWaterMark: 1 << 20 }), 'cli', { partial, onProgress: progressPrinter(statSync(file).size) });
    const ph = r.phasesMs;
    process.stderr.write(
      `\r  ${r.rows.toLocaleString('en')} rows in ${(r.durationMs / 1000).toFixed(1)} s (${r.rowsPerSecond.toLocaleString('en')} rows/s): ${r.inserted} new, ${r.updated} changed, ${r.unchanged} unchanged, ${r.rejected} rejected` +
        ` [stage ${(ph.stage / 1000).toFixed(1)} s, check ${(ph.check / 1000).toFixed(1)} s, write ${(ph.apply / 1000).toFixed(1)} s]\n`,
    );
    for (const e of r.errors.slice(0, 20)) process.stderr.write(`  line ${e.line ?? '-'}: ${e.field}: ${e.message}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    process.stderr.write(`\n${err.code}: ${err.message}\n`);
    for (const e of err.fieldErrors.slice(0, 50)) process.stderr.write(`  line ${e.line ?? '-'}: ${e.field}: ${e.message}\n`);
    return 1;
  }
}

/**
 * `node main.js import <kind> FILE [--partial]`
 * `node main.js import-dir DIR [--partial]`   (buildings.csv … city-objects.csv, in dependency order)
 * `node main.js rotate-pii-keys`               (re-encrypt every record under the current key)
 */
export const commands: Record<string, ContextCommand<AppConfig>> = {
  import: {
    usage: '<kind> <file.csv> [--partial]',
    async run({ app, args }) {
      const [kind, file] = args.filter((a) => !a.startsWith('--'));
      const k = baseDataKindSchema.safeParse(kind);
      if (!k.success || !file) throw new Error(`usage: import <${baseDataKindSchema.options.join('|')}> <file.csv> [--partial]`);
      return importFile(app.get(BaseDataImportService), k.data, file, args.includes('--partial'));
    },
  },
  'import-dir': {
    usage: '<dir> [--partial]',
    async run({ app, args }) {
      const dir = args.find((a) => !a.startsWith('--'));
      if (!dir) throw new Error('usage: import-dir <dir> [--partial]');
      for (const kind of IMPORT_ORDER) {
        const file = join(dir, `${kind}.csv`);
        if (!existsSync(file)) {
          process.stderr.write(`[import] no ${kind}.csv, skipped\n`);
          continue;
        }
        const code = await importFile(app.get(BaseDataImportService), kind, file, args.includes('--partial'));
        if (code !== 0) return code;
      }
      return 0;
    },
  },
  'rotate-pii-keys': {
    usage: '',
    async run({ app }) {
      const result = await app.get(ResidentService).reencrypt();
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    },
  },
};

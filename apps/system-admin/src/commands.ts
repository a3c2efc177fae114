import { createReadStream, statSync } from 'node:fs';
import { DomainError } from '@gm/contracts';
import { progressPrinter, type CsvImportResult } from '@gm/platform';
import type { ContextCommand } from '@gm/platform/run';
import type { AppConfig } from './config/config';
import { OrgTreeService } from './org-tree/org-tree.service';

function csvCommand(run: (tree: OrgTreeService, file: string, partial: boolean) => Promise<CsvImportResult>): ContextCommand<AppConfig> {
  return {
    usage: '<file.csv> [--partial]',
    async run({ app, args }) {
      const file = args.find((a) => !a.startsWith('--'));
      if (!file) throw new Error('give the CSV file');
      try {
        const result = await run(app.get(OrgTreeService), file, args.includes('--partial'));
        process.stderr.write('\n');
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        process.stderr.write(`\n${err.code}: ${err.message}\n`);
        for (const e of err.fieldErrors) process.stderr.write(`  line ${e.line ?? '-'}: ${e.field}: ${e.message}\n`);
        return 1;
      }
    },
  };
}

const open = (file: string) => ({ stream: createReadStream(file, { highWaterMark: 1 << 20 }), progress: progressPrinter(statSync(file).size) });

/** `node main.js import-org-units FILE [--partial]`, `node main.js import-staff FILE [--partial]`. */
export const commands: Record<string, ContextCommand<AppConfig>> = {
  'import-org-units': csvCommand((tree, file, partial) => {
    const { stream, progress } = open(file);
    return tree.importOrgUnits(stream, { partial, onProgress: progress });
  }),
  'import-staff': csvCommand((tree, file, partial) => {
    const { stream, progress } = open(file);
    return tree.importStaff(stream, { partial, onProgress: progress });
  }),
};

/** Worker thread for resident rows: checks, hashes and encrypts rows in parallel with the main thread. */
import { serveRows } from '@gm/platform/row-worker';
import { PiiCipher } from '../privacy/pii-cipher';
import { residentRow, type ResidentWorkerData } from './resident-row';

serveRows((data) => {
  const d = data as ResidentWorkerData;
  const cipher = new PiiCipher(d.keys, d.hashKey, d.sealFormat);
  const ctx = { grids: new Set(d.grids), scope: d.scope };
  return (fields, line) => residentRow(fields, line, ctx, cipher);
});

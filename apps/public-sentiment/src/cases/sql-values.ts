import { FINAL_CASE_STATES } from '@gm/contracts';

/** The final states as an SQL list of literals (`'closed', 'rejected', …`), for `state NOT IN (…)`. */
export const FINAL_STATES_SQL = FINAL_CASE_STATES.map((s) => `'${s}'`).join(', ');

/**
 * A PostgreSQL array literal of plain values (ids, codes, event types: no quotes, commas, braces,
 * backslashes or NULL): the driver would spread a JS array into a list of values.
 */
export function pgArray(values: readonly string[]): string {
  // NULL (any case) would be read as an SQL null, not as text.
  for (const v of values) if (!/^[\w.:-]+$/.test(v) || v.toLowerCase() === 'null') throw new Error(`not a plain array element: ${JSON.stringify(v)}`);
  return `{${values.join(',')}}`;
}

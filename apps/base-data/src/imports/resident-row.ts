/** A residents row, checked, hashed and sealed: in the import's thread or in a row worker's. */
import { randomUUID } from 'node:crypto';
import { FOCUS_CLASSES, RELATIONS, RESIDENCE_TYPES, RESIDENT_TAGS, type FieldError } from '@gm/contracts';
import { idNumberFacts, idNumberProblem, isPlausiblePhone, maskIdNumber, maskPhone, normalizeIdNumber, normalizePhone } from '@gm/domain';
import { rowBad, rowOk, type RowResult } from '@gm/platform/row-worker';
import type { PiiBoxFormat, PiiCipher } from '../privacy/pii-cipher';
import { code, grid, oneOf, text, type Ctx } from './row-checks';

/** What a residents row worker needs to rebuild the row function in its thread. */
export interface ResidentWorkerData {
  readonly keys: readonly string[];
  readonly hashKey: string;
  readonly sealFormat: PiiBoxFormat;
  readonly grids: readonly string[];
  readonly scope?: string | undefined;
}

const ID_PROBLEM: Record<string, string> = { format: 'not an 18-character ID number', 'birth-date': 'birth date in the ID number is not a real past date', checksum: 'invalid ID number (checksum)' };

export function residentRow(
  [idNumber, name, phone, household, relation, residenceType, focusClass, tags, party, g]: readonly string[],
  line: number,
  ctx: Ctx,
  cipher: PiiCipher,
): RowResult {
  const e: FieldError[] = [];
  // Messages name the problem, never the value: these are personal identifiers.
  const problem = idNumberProblem(idNumber ?? '');
  if (problem) e.push({ line, field: 'id_number', message: ID_PROBLEM[problem]! });
  const phoneRaw = (phone ?? '').trim();
  if (phoneRaw && !isPlausiblePhone(phoneRaw)) e.push({ line, field: 'phone', message: 'not a mainland mobile or landline number' });
  const n = text(name, line, 'name', 50, e);
  const hh = code(household, line, 'household_code', e);
  const rel = oneOf(relation, RELATIONS, line, 'relation', e);
  const rt = oneOf(residenceType, RESIDENCE_TYPES, line, 'residence_type', e);
  const fc = oneOf(focusClass, FOCUS_CLASSES, line, 'focus_class', e);
  const tagList = (tags ?? '').split('|').filter(Boolean);
  for (const tag of tagList) if (!(RESIDENT_TAGS as readonly string[]).includes(tag)) e.push({ line, field: 'tags', message: `unknown tag ${tag}` });
  if (party !== 'true' && party !== 'false') e.push({ line, field: 'party_member', message: 'true or false' });
  const gc = grid(g, ctx, line, e);
  if (e.length > 0) return rowBad(e);
  const id = normalizeIdNumber(idNumber!);
  const ph = phoneRaw ? normalizePhone(phoneRaw) : undefined;
  const facts = idNumberFacts(id);
  return rowOk([
    randomUUID(),
    cipher.hash('id', id),
    maskIdNumber(id),
    ph ? cipher.hash('phone', ph) : null,
    ph ? maskPhone(ph) : null,
    cipher.seal({ idNumber: id, phone: ph }),
    cipher.currentKeyId,
    n,
    facts.sex,
    facts.birthDate,
    hh,
    rel,
    rt,
    fc,
    tagList,
    party === 'true',
    gc,
  ]);
}

import { DomainError, type FieldError } from '@gm/contracts';
import type { Category, CategoryAttribute } from './category-catalogue';

/** A checked answer: a number, an ISO 8601 instant or text, or the chosen keys of a multivaluelist. */
export type AttributeAnswer = string | number | readonly string[];

/** What a channel received, per attribute code: every value sent for it (forms may repeat a field). */
export type RawAttributes = Readonly<Record<string, readonly string[]>>;

/** Longest answer to a `string` attribute, and to a `text` one. */
export const MAX_ATTRIBUTE_STRING = 200;
export const MAX_ATTRIBUTE_TEXT = 2000;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks the answers to a category's extra attributes against its definition: every required one
 * present, one value unless the datatype is a multivaluelist, numbers and date-times well formed
 * and in bounds, list values among the keys, no attribute the category does not define. Throws
 * REQUEST.VALIDATION_FAILED naming each attribute as `attributes.<code>` (values never echoed).
 */
export function checkAttributes(category: Category, raw: RawAttributes): Record<string, AttributeAnswer> {
  const defined = new Map((category.attributes ?? []).map((a) => [a.code, a]));
  const errors: FieldError[] = [];
  const answers: Record<string, AttributeAnswer> = {};

  for (const code of Object.keys(raw)) {
    if (!defined.has(code)) errors.push({ field: `attributes.${code}`, message: `未知的属性 unknown attribute for ${category.code}` });
  }
  for (const a of [...defined.values()].sort((x, y) => x.order - y.order)) {
    const values = (raw[a.code] ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
    if (values.length === 0) {
      if (a.required) errors.push({ field: `attributes.${a.code}`, message: `必填 required (${a.descriptionEn})` });
      continue;
    }
    const result = answerOf(a, values);
    if (typeof result === 'object' && result !== null && 'problem' in result) errors.push({ field: `attributes.${a.code}`, message: result.problem });
    else answers[a.code] = result;
  }
  if (errors.length > 0) throw DomainError.validation(errors);
  return answers;
}

function answerOf(a: CategoryAttribute, values: readonly string[]): AttributeAnswer | { problem: string } {
  if (a.datatype === 'multivaluelist') {
    const keys = new Set((a.values ?? []).map((x) => x.key));
    if (values.some((x) => !keys.has(x))) return { problem: `不是可选值之一 not one of: ${[...keys].join(', ')}` };
    return [...new Set(values)];
  }
  if (values.length > 1) return { problem: '只能填一个值 only one value allowed' };
  const value = values[0]!;
  switch (a.datatype) {
    case 'string':
      return value.length <= MAX_ATTRIBUTE_STRING ? value : { problem: `最长 ${MAX_ATTRIBUTE_STRING} 字 at most ${MAX_ATTRIBUTE_STRING} characters` };
    case 'text':
      return value.length <= MAX_ATTRIBUTE_TEXT ? value : { problem: `最长 ${MAX_ATTRIBUTE_TEXT} 字 at most ${MAX_ATTRIBUTE_TEXT} characters` };
    case 'number': {
      const n = NUMBER.test(value) ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) return { problem: '须为数字 must be a number' };
      if (a.integer && !Number.isInteger(n)) return { problem: '须为整数 must be a whole number' };
      if ((a.min !== undefined && n < a.min) || (a.max !== undefined && n > a.max)) {
        return { problem: `须在 ${a.min ?? '-∞'} 至 ${a.max ?? '∞'} 之间 must be from ${a.min ?? '-∞'} to ${a.max ?? '∞'}` };
      }
      return n;
    }
    case 'datetime': {
      const t = DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(t)) return { problem: '须为带时区的 ISO 8601 时间 must be an ISO 8601 date-time with offset' };
      return new Date(t).toISOString();
    }
    case 'singlevaluelist': {
      const keys = (a.values ?? []).map((x) => x.key);
      return keys.includes(value) ? value : { problem: `不是可选值之一 not one of: ${keys.join(', ')}` };
    }
  }
}

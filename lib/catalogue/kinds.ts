// What a result of each kind of item looks like (DOMAIN §2): quantitative items take a number;
// qualitative, ordinal and nominal items take one of their category codes. Forms, CSV imports and
// the API all read submitted values through `readItemValue`, so the three agree on what is valid.
import type { AnalyteKind, ItemCategory } from '@/db/enums';
import type { ErrorParams, ErrorReason } from '@/lib/errors';
import { decimalNumber } from '@/lib/validation/decimal';

/** The part of a catalogue item that decides how its values are read. */
export interface ItemShape {
  code: string;
  kind: AnalyteKind;
  categories: ItemCategory[] | null;
}

export type ItemValue = { kind: 'number'; value: number } | { kind: 'category'; category: string; grade: number };

export type ItemValueResult = { ok: true; value: ItemValue } | { ok: false; reason: ErrorReason; params: ErrorParams };

export const isCategorical = (kind: AnalyteKind): boolean => kind !== 'quantitative';

/** Grade of a category code: its position from the lowest (negative) category, or -1 if unknown.
 * Codes and aliases compare case-insensitively ('POS' = 'pos'); the catalogue's spelling is canonical. */
export function gradeOf(item: Pick<ItemShape, 'categories'>, code: string): number {
  const wanted = code.trim().toLowerCase();
  const asNumber = decimalNumber(wanted);
  return (item.categories ?? []).findIndex(
    (c) =>
      [c.code, ...(c.aliases ?? [])].some((s) => s.toLowerCase() === wanted) ||
      // numeric grades (urine pH 6.5, SG 1.015) match by value: 6.5 = '6.50'
      (Number.isFinite(asNumber) && decimalNumber(c.code.trim()) === asNumber),
  );
}

/** Read a submitted value (a number, or text from a form, CSV cell or JSON) for an item. */
export function readItemValue(item: ItemShape, raw: unknown): ItemValueResult {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return { ok: false, reason: 'value.required', params: {} };
  if (!isCategorical(item.kind)) {
    const n = typeof raw === 'number' ? raw : decimalNumber(text);
    return Number.isFinite(n)
      ? { ok: true, value: { kind: 'number', value: n } }
      : { ok: false, reason: 'value.numberRequired', params: { analyte: item.code, value: text } };
  }
  const codes = (item.categories ?? []).map((c) => c.code).join(', ');
  const grade = gradeOf(item, text);
  if (grade >= 0) return { ok: true, value: { kind: 'category', category: item.categories![grade].code, grade } };
  // a bare number for a categorical item is a client sending the wrong shape, worth its own sentence
  if (typeof raw === 'number' || /^-?\d+(\.\d+)?$/.test(text))
    return { ok: false, reason: 'value.categoryNotNumber', params: { analyte: item.code, codes } };
  return { ok: false, reason: 'value.notCategory', params: { analyte: item.code, value: text, codes } };
}

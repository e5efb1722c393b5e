// Reading lib/catalogue/items.csv, the catalogue's items beside the 83 analytes of quality-specs.csv:
// serology, urine dipstick, blood group and the further quantitative items. Each row names its
// result categories by a set of category-sets.ts; everything else is a column of the analyte.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CATEGORY_SETS, CATEGORY_SET_KIND, isCategorySetName } from './category-sets';
import { parseQualitySpecs } from './quality-specs';
import type { AnalyteInput } from '@/lib/validation/analyte';

type ItemRow = Record<string, string>;

const ITEMS_FILE = 'lib/catalogue/items.csv';

/** The committed data file (npm scripts, tests and the server run from the repository root). */
export function catalogueItemsCsv(): string {
  return fs.readFileSync(path.resolve(/*turbopackIgnore: true*/ process.cwd(), ITEMS_FILE), 'utf8');
}

const blankToNull = (s: string | undefined): string | null => (s == null || s.trim() === '' ? null : s.trim());
const numberOrNull = (s: string | undefined): number | null => (blankToNull(s) == null ? null : Number(s));

/** A row of items.csv as catalogue input, unvalidated (the catalogue service and the test validate
 * it with analyteInput). An unknown category set is passed on as its name so that validation fails. */
export function itemFromRow(r: ItemRow): Record<string, unknown> {
  const set = blankToNull(r.categories);
  const categories = set == null ? null : isCategorySetName(set) ? CATEGORY_SETS[set] : set;
  return {
    code: r.code,
    loinc: blankToNull(r.loinc),
    nameEn: r.name_en,
    nameZh: r.name_zh,
    unit: r.unit ?? '',
    category: r.category,
    kind: blankToNull(r.kind) ?? (set == null ? 'quantitative' : isCategorySetName(set) ? CATEGORY_SET_KIND[set] : 'qualitative'),
    categories,
    signalUnit: blankToNull(r.signal_unit),
    signalCutoff: numberOrNull(r.signal_cutoff),
    teaPercent: numberOrNull(r.tea_percent),
    teaAbsolute: numberOrNull(r.tea_absolute),
    teaAbsoluteAtOrBelow: numberOrNull(r.tea_abs_at_or_below),
    teaForm: blankToNull(r.tea_form),
    teaSource: r.tea_source,
    allowableCvPercent: numberOrNull(r.allowable_cv_pct),
    allowableBiasPercent: null,
    cvSource: blankToNull(r.cv_source),
    ncclEqaRange: null,
    cliaLimit: null,
    cliaConfidence: null,
    notes: blankToNull(r.notes),
  };
}

/** The rows of items.csv (comment lines start with '#'). */
export function readItemRows(csvText: string): ItemRow[] {
  return parse(csvText, { columns: true, skip_empty_lines: true, trim: true, comment: '#' }) as ItemRow[];
}

export function parseCatalogueItems(csvText: string): AnalyteInput[] {
  return readItemRows(csvText).map((r) => itemFromRow(r) as AnalyteInput);
}

/** The whole catalogue: the 83 analytes of quality-specs.csv first (their codes and values as they
 * were), then the items of items.csv. */
export function fullCatalogue(qualitySpecsCsvText: string, itemsCsvText = catalogueItemsCsv()): AnalyteInput[] {
  return [...parseQualitySpecs(qualitySpecsCsvText), ...parseCatalogueItems(itemsCsvText)];
}

// Reading ../shared/reference/quality-specs.csv (WS/T 403-2024, WS/T 406-2024, NCCL 2026, CLIA) into
// catalogue rows. The file is written for people ("0.2 mmol/L", "<=6% low / <=4.5% mid-high"), so
// each column is read by a small, tested rule; nothing is guessed silently: the full source text is
// kept beside every number.
import { parse } from 'csv-parse/sync';
import { CATALOGUE_CODES } from './codes';
import type { AnalyteInput } from '@/lib/validation/analyte';

type SpecRow = Record<string, string>;

/** First number in a text ("0.2 mmol/L" → 0.2, "15 (WS/T 406 …)" → 15, "<5.5 mmol/L" → 5.5). */
export function leadingNumber(text: string | undefined): number | null {
  const m = text?.match(/-?\d+(?:\.\d+)?/);
  return m ? Number(m[0]) : null;
}

/** A percent from texts like "±6%", "<=6% low / <=4.5% mid-high" (first), "SD<0.42 … / CV<7.5%"
 * (the CV) or a bare "2.5". Texts that state an SD only (pH: "0.02 (SD)") give null. */
export function percentFrom(text: string | undefined): number | null {
  if (!text) return null;
  const cv = text.match(/CV\s*[<≤]=?\s*(\d+(?:\.\d+)?)\s*%/i);
  if (cv) return Number(cv[1]);
  if (/\(SD\)/i.test(text)) return null;
  const pct = text.match(/(\d+(?:\.\d+)?)\s*%/);
  if (pct) return Number(pct[1]);
  return /^\s*[<≤=]*\s*\d+(?:\.\d+)?\s*$/.test(text) ? leadingNumber(text) : null;
}

/** The allowable total error and its source: WS/T 403-2024 (or WS/T 406-2024 for haematology and
 * coagulation) when the standard gives one, else the NCCL 2026 EQA range, else CLIA 2024.
 *
 * The limit form (DOMAIN.md §2): a WS/T row with a percent, an absolute amount and
 * `wst403_2024_abs_applies_at_or_below` is a **threshold** rule (absolute at or below that
 * concentration, percent above); a row with both parts and no threshold is read as CLIA's "greater
 * of"; a single part needs no form. (POC glucose writes "<5.5 mmol/L uses absolute": at exactly 5.5
 * both parts give 1.1 mmol/L, so "at or below" and "below" agree.) */
export function allowableTotalError(r: SpecRow): Pick<AnalyteInput, 'teaPercent' | 'teaAbsolute' | 'teaAbsoluteAtOrBelow' | 'teaForm' | 'teaSource'> {
  const wsPct = r.wst403_2024_tea_pct?.trim();
  const wsAbs = r.wst403_2024_tea_abs?.trim();
  if (wsPct || wsAbs) {
    const is406 = /406/.test(`${wsPct} ${r.notes ?? ''}`);
    const teaPercent = leadingNumber(wsPct);
    const teaAbsolute = leadingNumber(wsAbs);
    const teaAbsoluteAtOrBelow = leadingNumber(r.wst403_2024_abs_applies_at_or_below);
    const both = teaPercent != null && teaAbsolute != null;
    return {
      teaPercent,
      teaAbsolute,
      teaAbsoluteAtOrBelow,
      teaForm: both ? (teaAbsoluteAtOrBelow != null ? 'threshold' : 'greater_of') : null,
      teaSource: is406 ? 'WS/T 406-2024' : 'WS/T 403-2024',
    };
  }
  const nccl = r.nccl_2026_eqa_acceptable_range?.trim();
  const ncclPct = percentFrom(nccl);
  if (ncclPct != null) return { teaPercent: ncclPct, teaAbsolute: null, teaAbsoluteAtOrBelow: null, teaForm: null, teaSource: 'NCCL 2026 EQA' };
  const cliaPct = leadingNumber(r.clia_2024_percent);
  return { teaPercent: cliaPct, teaAbsolute: null, teaAbsoluteAtOrBelow: null, teaForm: null, teaSource: 'CLIA 2024 (unverified)' };
}

// Concentration ranges (analyte_limit_ranges): quality-specs.csv states haematology and coagulation
// imprecision by concentration ("<=6% low / <=4.5% mid-high" for WBC) but gives neither the range
// boundaries nor range-specific EQA limits (its WS/T 406 TEa, e.g. WBC 15 %, is the analyte's flat
// limit). Ranges come from db/seed-data/limit-ranges.csv (./limit-ranges.ts, added by the seed and
// db:migrate) or an administrator (lib/services/catalogue.ts setLimitRanges); that file holds no row
// yet, because no stored source gives WS/T 406's ranges (its header lists what was searched).

/** Every row of quality-specs.csv as catalogue input (validated later by the catalogue service). */
export function parseQualitySpecs(csvText: string): AnalyteInput[] {
  const rows = parse(csvText, { columns: true, skip_empty_lines: true, trim: true }) as SpecRow[];
  const cliaColumn = Object.keys(rows[0] ?? {}).find((k) => k.startsWith('clia_1992')) ?? '';
  return rows.map((r) => {
    const known = CATALOGUE_CODES[r.analyte_en];
    const isPh = r.unit_si === 'pH';
    return {
      code: known?.code ?? r.analyte_en.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, ''),
      loinc: r.loinc || null,
      nameEn: r.analyte_en,
      nameZh: r.analyte_cn,
      unit: r.unit_si,
      category: known?.category ?? 'other',
      ...allowableTotalError(r),
      // pH imprecision and bias are stated in pH units, not percent
      allowableCvPercent: isPh ? null : percentFrom(r.wst403_2024_cv_pct),
      allowableBiasPercent: isPh ? null : percentFrom(r.wst403_2024_bias_pct),
      cvSource: r.wst403_2024_cv_pct ? `${/406/.test(r.wst403_2024_tea_pct + (r.notes ?? '')) ? 'WS/T 406-2024' : 'WS/T 403-2024'}: ${r.wst403_2024_cv_pct}` : null,
      ncclEqaRange: r.nccl_2026_eqa_acceptable_range || null,
      cliaLimit: [r[cliaColumn] && `1992: ${r[cliaColumn]}`, r.clia_2024_limit_text && `2024: ${r.clia_2024_limit_text}`].filter(Boolean).join('; ') || null,
      cliaConfidence: r.clia_2024_confidence || null,
      notes: r.notes || null,
    } as AnalyteInput;
  });
}

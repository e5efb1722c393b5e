// Reading quality-specs.csv: each column rule, checked on rows whose expected values are read off the
// file by hand (the row text is quoted in each case).
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { leadingNumber, parseQualitySpecs, percentFrom } from '@/lib/catalogue/quality-specs';
import { qualitySpecsCsv } from '@/db/seed/base';
import { analyteInput } from '@/lib/validation/analyte';

const catalogue = parseQualitySpecs(qualitySpecsCsv());
const byCode = new Map(catalogue.map((a) => [a.code, a]));

describe('column rules', () => {
  it.each([
    ['0.2 mmol/L', 0.2],
    ['15 (WS/T 406 lab comparability)', 15],
    ['<5.5 mmol/L uses absolute', 5.5],
    ['', null],
  ])('leadingNumber(%j) = %s', (text, expected) => expect(leadingNumber(text)).toBe(expected));

  it.each([
    ['2.5', 2.5],
    ['±6%', 6],
    ['<=6% low / <=4.5% mid-high', 6],
    ['SD<0.42 mmol/L (<5.5) / CV<7.5% (>=5.5)', 7.5],
    ['0.02 (SD)', null],
    ['±5 mmHg or ±8% (greater)', 8],
    ['', null],
  ])('percentFrom(%j) = %s', (text, expected) => expect(percentFrom(text)).toBe(expected));
});

describe('the catalogue from quality-specs.csv', () => {
  it('has every row of the file, each valid and with a unique code', () => {
    const records = parse(qualitySpecsCsv(), { columns: true, skip_empty_lines: true }) as unknown[];
    expect(records.length).toBe(83);
    expect(catalogue.length).toBe(records.length);
    expect(new Set(catalogue.map((a) => a.code)).size).toBe(catalogue.length);
    for (const a of catalogue) expect(analyteInput.safeParse(a).success, a.code).toBe(true);
  });

  it.each([
    // row: Potassium,钾,mmol/L,2823-3,2.5,2.0,6.0,0.2 mmol/L,3.3 mmol/L,±6%
    ['K', { nameZh: '钾', loinc: '2823-3', teaPercent: 6, teaAbsolute: 0.2, teaAbsoluteAtOrBelow: 3.3, teaForm: 'threshold', teaSource: 'WS/T 403-2024', allowableCvPercent: 2.5 }],
    // row: Sodium,钠,mmol/L,2951-2,1.5,1.5,4.0,,,±4%
    ['NA', { teaPercent: 4, teaAbsolute: null, teaForm: null, allowableCvPercent: 1.5 }],
    // row: pH (blood gas),...,0.02 (SD),0.015,,"0.04 (absolute, whole range)"
    ['PH', { teaPercent: null, teaAbsolute: 0.04, allowableCvPercent: null, teaSource: 'WS/T 403-2024' }],
    // row: Leukocyte count (WBC),...,<=6% low / <=4.5% mid-high,±5%,15 (WS/T 406 lab comparability)
    ['WBC', { teaPercent: 15, allowableCvPercent: 6, teaSource: 'WS/T 406-2024', category: 'haematology' }],
    // row: Troponin I: no WS/T values, NCCL ±30%
    ['CTNI', { teaPercent: 30, teaSource: 'NCCL 2026 EQA' }],
    // row: Carbon dioxide: no WS/T, no NCCL, CLIA 2024 20 %
    ['CO2', { teaPercent: 20, teaSource: 'CLIA 2024 (unverified)' }],
    // row: Glucose (POC meter): TEa 20.0, 1.1 mmol/L below 5.5
    ['GLU_POC', { teaPercent: 20, teaAbsolute: 1.1, teaAbsoluteAtOrBelow: 5.5, teaForm: 'threshold', allowableCvPercent: 7.5 }],
  ])('%s', (code, expected) => {
    expect(byCode.get(code)).toMatchObject(expected);
  });

  it('reads wst403_2024_abs_applies_at_or_below as a threshold rule: HbA1c 0.4 %HbA1c at or below 6.7, else 6 % (DOMAIN.md §2)', () => {
    // row: HbA1c (NGSP),...,2.0,6.0,0.4 %HbA1c,6.7 %HbA1c
    expect(byCode.get('HBA1C')).toMatchObject({ teaPercent: 6, teaAbsolute: 0.4, teaAbsoluteAtOrBelow: 6.7, teaForm: 'threshold' });
    // every WS/T row with both parts has its threshold in the file, so none is read as "greater of"
    const both = catalogue.filter((a) => a.teaPercent != null && a.teaAbsolute != null);
    expect(both.length).toBeGreaterThan(40);
    for (const a of both) expect(a.teaForm, a.code).toBe(a.teaAbsoluteAtOrBelow != null ? 'threshold' : 'greater_of');
    // a single part needs no form
    for (const a of catalogue.filter((x) => x.teaPercent == null || x.teaAbsolute == null)) expect(a.teaForm, a.code).toBeNull();
  });

  it('a threshold form without its threshold is refused', () => {
    const k = byCode.get('K')!;
    expect(analyteInput.safeParse({ ...k, teaAbsoluteAtOrBelow: null }).success).toBe(false);
  });

  it('an allowable error of 0 is refused (σpt 0, every result off target fails): one positive part, both for the threshold form', () => {
    const k = byCode.get('K')!; // threshold: 0.2 mmol/L at or below 3.3, else 6 %
    const reasons = (a: object) => { const r = analyteInput.safeParse(a); return r.success ? [] : r.error.issues.map((i) => (i as { params?: { reason?: string } }).params?.reason); };
    expect(reasons({ ...k, teaPercent: 0 })).toContain('value.limitNotPositive');
    expect(reasons({ ...k, teaAbsolute: 0 })).toContain('value.limitNotPositive');
    expect(reasons({ ...k, teaForm: 'greater_of', teaAbsoluteAtOrBelow: null, teaAbsolute: 0 })).toEqual([]);
    expect(reasons({ ...k, teaForm: null, teaAbsoluteAtOrBelow: null, teaAbsolute: null, teaPercent: 0 })).toContain('value.limitNotPositive');
    expect(reasons({ ...k, teaForm: 'greater_of', teaAbsoluteAtOrBelow: null, teaAbsolute: 0, teaPercent: 0 })).toContain('value.limitNotPositive');
  });

  it('keeps the Chinese name of every analyte', () => {
    for (const a of catalogue) expect(a.nameZh).toMatch(/[\u4e00-\u9fff]/);
  });
});

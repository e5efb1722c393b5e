// The catalogue data file (lib/catalogue/items.csv) beside quality-specs.csv: every row parses, the
// catalogue has 200+ items with unique codes, every item of the two published recognition lists is in
// it (issue 12; DOMAIN §5), and each kind carries what it needs.
import { describe, expect, it } from 'vitest';
import { catalogueItemsCsv, fullCatalogue, itemFromRow, parseCatalogueItems, readItemRows } from '@/lib/catalogue/items';
import { BEIJING_TIANJIN_HEBEI_SHANDONG_60, QINGHAI_51 } from '@/lib/catalogue/lists';
import { CATEGORY_SETS } from '@/lib/catalogue/category-sets';
import { gradeOf, readItemValue } from '@/lib/catalogue/kinds';
import { parseQualitySpecs } from '@/lib/catalogue/quality-specs';
import { qualitySpecsCsv } from '@/db/seed/base';
import { analyteInput, categoryLines, readCategoryLines } from '@/lib/validation/analyte';
import { ANALYTE_CATEGORIES } from '@/db/enums';

const catalogue = fullCatalogue(qualitySpecsCsv());
const byCode = new Map(catalogue.map((a) => [a.code, a]));
const rows = readItemRows(catalogueItemsCsv());

describe('items.csv', () => {
  it('every row parses as a catalogue item (zod analyteInput)', () => {
    expect(rows.length).toBeGreaterThan(100);
    for (const [i, r] of rows.entries()) {
      const parsed = analyteInput.safeParse(itemFromRow(r));
      expect(parsed.success, `row ${i + 1} ${r.code}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
    }
  });

  it('has at least 200 items in all, with unique codes and unique LOINC codes of valid form', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(200);
    expect(new Set(catalogue.map((a) => a.code)).size).toBe(catalogue.length);
    const loincs = catalogue.map((a) => a.loinc).filter((l): l is string => !!l);
    // LOINC: digits, a hyphen and the mod-10 check digit
    for (const l of loincs) expect(l).toMatch(/^\d{1,7}-\d$/);
    // an item is resolved by its LOINC code too (issue 13), so no two items share one
    expect(new Set(loincs).size).toBe(loincs.length);
  });

  it('keeps the 83 analytes of quality-specs.csv first and exactly as they were', () => {
    const specs = parseQualitySpecs(qualitySpecsCsv());
    expect(specs.length).toBe(83);
    expect(catalogue.slice(0, 83)).toEqual(specs);
    // none of the new rows reuses an old code
    const old = new Set(specs.map((a) => a.code));
    for (const a of parseCatalogueItems(catalogueItemsCsv())) expect(old.has(a.code), a.code).toBe(false);
  });

  it('LOINC check digits are right (mod 10, LOINC Users\' Guide)', () => {
    // the LOINC check digit is the Luhn (mod 10) digit of the number part
    const luhn = (digits: string) => {
      let sum = 0;
      [...digits].reverse().forEach((ch, i) => {
        let d = Number(ch);
        if (i % 2 === 0) {
          d *= 2;
          if (d > 9) d -= 9;
        }
        sum += d;
      });
      return (10 - (sum % 10)) % 10;
    };
    for (const a of catalogue.filter((x) => x.loinc)) {
      const [num, check] = a.loinc!.split('-');
      expect(luhn(num), `${a.code} ${a.loinc}`).toBe(Number(check));
    }
  });

  it('every categorical item has at least two categories and no numeric limit; every quantitative one a unit and a limit', () => {
    for (const raw of catalogue) {
      const a = analyteInput.parse(raw);
      if (a.kind === 'quantitative') {
        expect(a.categories, a.code).toBeNull();
        expect(a.unit, a.code).not.toBe('');
        expect(a.teaPercent != null || a.teaAbsolute != null, a.code).toBe(true);
      } else {
        expect(a.categories!.length, a.code).toBeGreaterThanOrEqual(2);
        expect(a.teaPercent, a.code).toBeNull();
        expect(a.teaAbsolute, a.code).toBeNull();
        expect(a.teaSource, a.code).toMatch(/agreement|grade|dilution/);
      }
      expect(a.teaSource.length, a.code).toBeGreaterThan(5);
      expect(a.nameZh, a.code).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('covers the groups the issue names', () => {
    const counts = new Map<string, number>();
    for (const a of catalogue) counts.set(a.category, (counts.get(a.category) ?? 0) + 1);
    for (const c of ['chemistry', 'endocrine', 'tumour_markers', 'cardiac', 'vitamins', 'drugs', 'haematology', 'coagulation', 'urinalysis', 'serology', 'blood_group'] as const) {
      expect(counts.get(c) ?? 0, c).toBeGreaterThanOrEqual(2);
    }
    for (const c of counts.keys()) expect(ANALYTE_CATEGORIES).toContain(c);
  });
});

describe('published recognition lists', () => {
  it.each([
    ['Qinghai 51', QINGHAI_51, 51],
    // 46 items read verbatim + 2 inferred CBC items; the other 12 could not be read (lists.ts note)
    ['Beijing-Tianjin-Hebei-Shandong 60', BEIJING_TIANJIN_HEBEI_SHANDONG_60, 48],
  ])('every item of the %s list is in the catalogue', (_name, list, listed) => {
    expect(list.items.length).toBe(listed);
    expect(new Set(list.items.map((i) => i.code)).size).toBe(listed);
    const missing = list.items.filter((i) => !byCode.has(i.code));
    expect(missing).toEqual([]);
  });

  it('Qinghai: HBV five markers, anti-HCV, TP-Ab, anti-HIV qualitative; 9 dipstick items; PT, APTT, Fg, TT; ABO forward, reverse, RhD', () => {
    const kind = (code: string) => analyteInput.parse(byCode.get(code)).kind;
    for (const c of ['HBSAG', 'HBSAB', 'HBEAG', 'HBEAB', 'HBCAB', 'HCV_AB', 'TP_AB', 'HIV_AB', 'U_NIT']) expect(kind(c), c).toBe('qualitative');
    for (const c of ['U_SG', 'U_PH', 'U_PRO', 'U_GLU', 'U_BIL', 'U_KET', 'U_BLD', 'U_URO']) expect(kind(c), c).toBe('ordinal');
    for (const c of ['ABO_FWD', 'ABO_REV', 'RHD']) expect(kind(c), c).toBe('nominal');
    for (const c of ['PT', 'APTT', 'FIB', 'TT']) expect(kind(c), c).toBe('quantitative');
    expect(QINGHAI_51.items.filter((i) => i.code.startsWith('U_')).length).toBe(9);
  });
});

describe('category sets', () => {
  const item = (code: string) => ({ code, kind: analyteInput.parse(byCode.get(code)).kind, categories: analyteInput.parse(byCode.get(code)).categories });

  it('serology reads negative/positive and their aliases, lowest first', () => {
    const hbsag = item('HBSAG');
    expect(hbsag.categories!.map((c) => c.code)).toEqual(['negative', 'positive']);
    for (const s of ['neg', '-', 'non-reactive', '阴性', 'NEGATIVE']) expect(gradeOf(hbsag, s), s).toBe(0);
    for (const s of ['pos', '+', 'reactive', '阳性']) expect(gradeOf(hbsag, s), s).toBe(1);
    expect(readItemValue(hbsag, 'weak')).toMatchObject({ ok: false, reason: 'value.notCategory' });
    expect(byCode.get('HBSAG')).toMatchObject({ signalUnit: 'S/CO', signalCutoff: 1 });
  });

  it('dipstick grades −, ±, 1+ … 4+; pH 5.0 … 9.0 by 0.5; SG 1.000 … 1.030 by 0.005; URO normal, 1+ … 3+', () => {
    expect(item('U_PRO').categories!.map((c) => c.code)).toEqual(['negative', 'trace', '1+', '2+', '3+', '4+']);
    expect(gradeOf(item('U_PRO'), '±')).toBe(1);
    expect(gradeOf(item('U_PRO'), '+-')).toBe(1);
    expect(gradeOf(item('U_PRO'), '-')).toBe(0);
    expect(gradeOf(item('U_PRO'), '++')).toBe(3);
    expect(item('U_PH').categories!.map((c) => c.code)).toEqual(['5.0', '5.5', '6.0', '6.5', '7.0', '7.5', '8.0', '8.5', '9.0']);
    expect(gradeOf(item('U_PH'), '6.5')).toBe(3);
    expect(gradeOf(item('U_PH'), '6')).toBe(2);
    expect(item('U_SG').categories!.map((c) => c.code)).toEqual(['1.000', '1.005', '1.010', '1.015', '1.020', '1.025', '1.030']);
    expect(gradeOf(item('U_SG'), '1.02')).toBe(4);
    expect(item('U_URO').categories!.map((c) => c.code)).toEqual(['normal', '1+', '2+', '3+']);
    expect(item('U_NIT').categories!.map((c) => c.code)).toEqual(['negative', 'positive']);
  });

  it('blood group: ABO A, B, AB, O; RhD negative, positive; titres 1:2 … 1:2048', () => {
    expect(item('ABO_FWD').categories!.map((c) => c.code)).toEqual(['A', 'B', 'AB', 'O']);
    expect(item('ABO_REV').categories!.map((c) => c.code)).toEqual(['A', 'B', 'AB', 'O']);
    expect(readItemValue(item('ABO_FWD'), 'ab')).toMatchObject({ ok: true, value: { category: 'AB', grade: 2 } });
    expect(item('RHD').categories!.map((c) => c.code)).toEqual(['negative', 'positive']);
    expect(gradeOf(item('RHD'), 'Rh+')).toBe(1);
    const titres = CATEGORY_SETS.titre.map((c) => c.code);
    expect(titres[0]).toBe('1:2');
    expect(titres.at(-1)).toBe('1:2048');
    expect(titres).toHaveLength(11);
  });
});

describe('analyteInput for kinds', () => {
  const k = byCode.get('K')!;
  const hbsag = byCode.get('HBSAG')!;

  it('refuses a categorical item with fewer than two distinct categories', () => {
    const one = analyteInput.safeParse({ ...hbsag, categories: [{ code: 'negative', nameEn: 'Negative', nameZh: '阴性' }] });
    expect(one.success).toBe(false);
    const twice = analyteInput.safeParse({
      ...hbsag,
      categories: [
        { code: 'neg', nameEn: 'a', nameZh: '阴' },
        { code: 'NEG', nameEn: 'b', nameZh: '阳' },
      ],
    });
    expect(twice.success).toBe(false);
    expect(analyteInput.safeParse({ ...hbsag, categories: null }).success).toBe(false);
  });

  it('refuses categories on a quantitative item, and a quantitative item without a unit', () => {
    expect(analyteInput.safeParse({ ...k, categories: CATEGORY_SETS.neg_pos }).success).toBe(false);
    expect(analyteInput.safeParse({ ...k, unit: '' }).success).toBe(false);
    // no kind given: quantitative, as every analyte was before issue 12
    const { kind: _kind, ...noKind } = k as typeof k & { kind?: string };
    expect(analyteInput.parse(noKind).kind).toBe('quantitative');
  });

  it('reads the admin form\'s category lines and writes them back', () => {
    const text = 'negative | 阴性 | Negative | neg, -\npositive | 阳性 | Positive';
    const read = readCategoryLines(text);
    expect(read).toEqual([
      { code: 'negative', nameZh: '阴性', nameEn: 'Negative', aliases: ['neg', '-'] },
      { code: 'positive', nameZh: '阳性', nameEn: 'Positive' },
    ]);
    expect(categoryLines(read as never)).toBe('negative | 阴性 | Negative | neg, -\npositive | 阳性 | Positive');
    const parsed = analyteInput.parse({ ...hbsag, categories: text });
    expect(parsed.categories?.map((c) => c.code)).toEqual(['negative', 'positive']);
    // a bare code is its own name
    expect(readCategoryLines('A\nB')).toEqual([
      { code: 'A', nameZh: 'A', nameEn: 'A' },
      { code: 'B', nameZh: 'B', nameEn: 'B' },
    ]);
  });
});

describe('an allowable limit in percent', () => {
  it('is at most 100 % of the target (1e20 typed by mistake would accept every result); 30 % and 100 % are taken', async () => {
    const { analyteInput, limitRangeInput } = await import('@/lib/validation/analyte');
    const base = { code: 'XPCT', nameEn: 'Percent test', nameZh: '百分比测试', kind: 'quantitative', category: 'chemistry', unit: 'mmol/L', teaSource: 'test' };
    const field = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (r.success ? null : r.error!.issues.map((i) => i.path.join('.')));
    expect(field(analyteInput.safeParse({ ...base, teaPercent: '99999999999999999999' }))).toEqual(['teaPercent']);
    expect(field(analyteInput.safeParse({ ...base, teaPercent: '30', allowableCvPercent: '101' }))).toEqual(['allowableCvPercent']);
    expect(field(analyteInput.safeParse({ ...base, teaPercent: '100' }))).toBeNull();
    expect(field(limitRangeInput.safeParse({ from: '', to: '3.3', percent: '150', source: 'test' }))).toEqual(['percent']);
  });

  it('text that is no decimal number (0x10, abc) is "Not a number", not "Required"; an empty field stays empty', async () => {
    const { analyteInput, limitRangeInput } = await import('@/lib/validation/analyte');
    const base = { code: 'XPCT', nameEn: 'Percent test', nameZh: '百分比测试', kind: 'quantitative', category: 'chemistry', unit: 'mmol/L', teaSource: 'test' };
    const reasons = (r: { success: boolean; error?: { issues: object[] } }) =>
      r.success ? null : r.error!.issues.map((i) => [(i as { path: PropertyKey[] }).path.join('.'), (i as { params?: { reason?: string } }).params?.reason]);
    expect(reasons(analyteInput.safeParse({ ...base, teaPercent: '0x10' }))).toEqual([['teaPercent', 'value.notNumber']]);
    expect(reasons(analyteInput.safeParse({ ...base, teaPercent: '10', teaAbsolute: 'abc' }))).toEqual([['teaAbsolute', 'value.notNumber']]);
    expect(reasons(limitRangeInput.safeParse({ from: '0x1', to: '3.3', percent: '15', source: 'test' }))).toEqual([['from', 'value.notNumber']]);
    const parsed = analyteInput.parse({ ...base, teaPercent: ' 7.5 ', teaAbsolute: '', allowableCvPercent: null });
    expect([parsed.teaPercent, parsed.teaAbsolute, parsed.allowableCvPercent]).toEqual([7.5, null, null]);
  });
});

describe('a calendar day', () => {
  it('2026-02-30 is "no such day", once; a day not written YYYY-MM-DD says only that', async () => {
    const { isoDay } = await import('@/lib/validation/recognition');
    const reasons = (v: string) => {
      const r = isoDay.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => (i as { params?: { reason?: string } }).params?.reason);
    };
    expect(reasons('2026-02-30')).toEqual(['value.noSuchDay']);
    expect(reasons('2026-13-45')).toEqual(['value.noSuchDay']);
    expect(reasons('')).toEqual(['recognition.invalidDate']);
    expect(reasons('2026-2-3')).toEqual(['recognition.invalidDate']);
    expect(reasons('2028-02-29')).toEqual([]);
  });
});

// The ordered result categories of the catalogue's qualitative, ordinal and nominal items (DOMAIN §2),
// named so that the data file (items.csv, column `categories`) can refer to them. Each set runs from
// the lowest (negative) grade to the highest; `code` is what clients send as a result value, the
// aliases are other spellings accepted for it (case-insensitive, lib/catalogue/kinds.ts gradeOf).
import type { AnalyteKind, ItemCategory } from '@/db/enums';

const cat = (code: string, nameEn: string, nameZh: string, aliases?: string[]): ItemCategory => (aliases ? { code, nameEn, nameZh, aliases } : { code, nameEn, nameZh });

const NEGATIVE = cat('negative', 'Negative', '阴性', ['neg', '-', 'non-reactive', 'nonreactive', '阴性']);
const POSITIVE = cat('positive', 'Positive', '阳性', ['pos', '+', 'reactive', '阳性']);

/** '1:2' … '1:2048': doubling dilutions (titres are graded by mode ± 1 dilution, DOMAIN §2). */
const TITRES = Array.from({ length: 11 }, (_, i) => `1:${2 ** (i + 1)}`).map((t) => cat(t, t, t));

export const CATEGORY_SETS = {
  /** serology, NIT, antibody screen, DAT, urine hCG, faecal occult blood: negative / positive */
  neg_pos: [NEGATIVE, POSITIVE],
  /** nucleic-acid tests: not detected / detected */
  detected: [
    cat('not_detected', 'Not detected', '未检出', ['negative', 'neg', '-', 'nd', '阴性', '未检出']),
    cat('detected', 'Detected', '检出', ['positive', 'pos', '+', '阳性', '检出']),
  ],
  /** urine dipstick PRO, GLU, BIL, KET, BLD, LEU: −, ±, 1+ … 4+ (NCCL urinalysis: ± 1 grade) */
  dipstick: [
    cat('negative', 'Negative', '阴性', ['neg', '-', '阴性']),
    cat('trace', 'Trace (±)', '微量(±)', ['±', '+-', '+/-', 'tr', '微量']),
    cat('1+', '1+', '1+', ['+']),
    cat('2+', '2+', '2+', ['++']),
    cat('3+', '3+', '3+', ['+++']),
    cat('4+', '4+', '4+', ['++++']),
  ],
  /** urine dipstick urobilinogen: normal (≤ 1 mg/dL, incl. 0.2) then 1+ … 3+ */
  urobilinogen: [cat('normal', 'Normal', '正常', ['norm', 'negative', 'neg', '-', '±', '正常', '阴性']), cat('1+', '1+', '1+', ['+']), cat('2+', '2+', '2+', ['++']), cat('3+', '3+', '3+', ['+++'])],
  /** urine dipstick pH: the strip's pads 5.0 … 9.0 in steps of 0.5 (a numeric answer matches by value) */
  urine_ph: ['5.0', '5.5', '6.0', '6.5', '7.0', '7.5', '8.0', '8.5', '9.0'].map((p) => cat(p, `pH ${p}`, `pH ${p}`)),
  /** urine dipstick specific gravity: 1.000 … 1.030 in steps of 0.005 */
  urine_sg: ['1.000', '1.005', '1.010', '1.015', '1.020', '1.025', '1.030'].map((s) => cat(s, s, s)),
  /** ABO group (forward or reverse typing): nominal, exact agreement */
  abo: [cat('A', 'Group A', 'A型', ['A型']), cat('B', 'Group B', 'B型', ['B型']), cat('AB', 'Group AB', 'AB型', ['AB型']), cat('O', 'Group O', 'O型', ['O型'])],
  /** RhD typing: nominal, exact agreement */
  rhd: [cat('negative', 'RhD negative', 'RhD阴性', ['neg', '-', 'rh-', 'rhd-', 'd-', '阴性']), cat('positive', 'RhD positive', 'RhD阳性', ['pos', '+', 'rh+', 'rhd+', 'd+', '阳性'])],
  /** cross-match: compatible / incompatible */
  crossmatch: [cat('compatible', 'Compatible', '相合', ['相合', '无凝集']), cat('incompatible', 'Incompatible', '不相合', ['不相合', '凝集'])],
  /** titres 1:2 … 1:2048 */
  titre: TITRES,
} satisfies Record<string, ItemCategory[]>;

export type CategorySetName = keyof typeof CATEGORY_SETS;

/** The kind each set's items have when the data file does not say otherwise. */
export const CATEGORY_SET_KIND: Record<CategorySetName, Exclude<AnalyteKind, 'quantitative'>> = {
  neg_pos: 'qualitative',
  detected: 'qualitative',
  dipstick: 'ordinal',
  urobilinogen: 'ordinal',
  urine_ph: 'ordinal',
  urine_sg: 'ordinal',
  abo: 'nominal',
  rhd: 'nominal',
  crossmatch: 'qualitative',
  titre: 'ordinal',
};

export const isCategorySetName = (s: string): s is CategorySetName => Object.hasOwn(CATEGORY_SETS, s);

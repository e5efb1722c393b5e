// Internal QC of qualitative, ordinal and nominal items (DOMAIN.md §4, "Qualitative IQC").
//
// CLIA 42 CFR 493.1256(d)(3)(ii): "For each qualitative procedure, include a negative and positive
// control material" each day of testing (CLSI EP12 for qualitative examinations). A control reading
// outside its expected category rejects the run: a reactive negative control (a false positive:
// contamination, carry-over) or a non-reactive positive control (a false negative: a failed reagent
// or instrument). Ordinal controls (urine dipstick grades, titres) must read their expected grade;
// LabQC allows no grade of tolerance ({@link ORDINAL_IQC_GRADE_TOLERANCE}): no standard at hand
// grants ±1 grade for IQC (the ±1 grade of DOMAIN §2 is EQA grading of participants). Where the
// analyser reports a signal (S/CO, OD), the signal is judged by the Westgard rules as any number.

/** Rule code of a control read outside its expected category (violation `rule`, with its levels). */
export const QUAL_MISMATCH_RULE = 'qual-mismatch';

/** Grades an ordinal control may read away from its expected grade (a negative control never may). */
export const ORDINAL_IQC_GRADE_TOLERANCE = 0;

/** One control reading of a run: its level, the grade read and the grade its lot expects (grades
 * are positions in the item's categories, 0 = the lowest, negative category). */
export interface CategoryReading {
  level: string;
  grade: number;
  expectedGrade: number;
}

export interface CategoryVerdict {
  status: 'accepted' | 'rejected';
  /** levels read outside their expected category, in the order given */
  mismatched: string[];
}

/**
 * Whether one reading is within its expected category: exact agreement for qualitative and nominal
 * items; for ordinal items within `tolerance` grades of the expected grade, except that a negative
 * control (expected grade 0) must read negative (grade 0) whatever the tolerance.
 *
 * @example readingWithinExpected({ level: 'NEG', grade: 1, expectedGrade: 0 }, 'qualitative') // => false (reactive negative control)
 * @example readingWithinExpected({ level: 'POS', grade: 0, expectedGrade: 1 }, 'qualitative') // => false (non-reactive positive control)
 * @example readingWithinExpected({ level: 'P2', grade: 3, expectedGrade: 2 }, 'ordinal', 1) // => true
 */
export function readingWithinExpected(r: CategoryReading, kind: 'qualitative' | 'ordinal' | 'nominal', tolerance = ORDINAL_IQC_GRADE_TOLERANCE): boolean {
  if (!Number.isInteger(r.grade) || r.grade < 0 || !Number.isInteger(r.expectedGrade) || r.expectedGrade < 0) {
    throw new RangeError(`level ${r.level}: grades must be whole numbers ≥ 0`);
  }
  if (r.grade === r.expectedGrade) return true;
  if (kind !== 'ordinal' || r.expectedGrade === 0) return false;
  return Math.abs(r.grade - r.expectedGrade) <= tolerance;
}

/**
 * Verdict of a run's categorical control readings: rejected when any reading is outside its expected
 * category ({@link readingWithinExpected}), else accepted. Depends only on the readings of the run.
 *
 * @example judgeCategoryReadings([{ level: 'NEG', grade: 1, expectedGrade: 0 }, { level: 'POS', grade: 1, expectedGrade: 1 }], 'qualitative')
 * // => { status: 'rejected', mismatched: ['NEG'] }
 */
export function judgeCategoryReadings(readings: readonly CategoryReading[], kind: 'qualitative' | 'ordinal' | 'nominal', tolerance = ORDINAL_IQC_GRADE_TOLERANCE): CategoryVerdict {
  const mismatched = readings.filter((r) => !readingWithinExpected(r, kind, tolerance)).map((r) => r.level);
  return { status: mismatched.length ? 'rejected' : 'accepted', mismatched };
}

// Read models of the analyte catalogue for pages. The catalogue is national and public (everyone,
// even without an account, reads the analytes a certificate names), so these take no scope.
import type { Conn } from '@/db/client';
import { findAnalyteByCode, listAnalytes } from '@/db/queries/analytes';
import { limitRangesOf } from '@/db/queries/eqa-limits';

/** The analytes of the catalogue in code order (active ones only with `activeOnly`). */
export function catalogueAnalytes(db: Conn, opts: { activeOnly?: boolean } = {}) {
  return listAnalytes(db, opts);
}

/** One analyte with its EQA limit ranges (the administrator's analyte page), undefined when unknown. */
export function analyteWithLimits(db: Conn, code: string) {
  const analyte = findAnalyteByCode(db, code);
  return analyte ? { analyte, ranges: limitRangesOf(db, [analyte.id]).get(analyte.id) ?? [] } : undefined;
}

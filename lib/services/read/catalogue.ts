// Read models of the analyte catalogue for pages. The catalogue is national and public (everyone,
// even without an account, reads the analytes a certificate names), so these take no scope.
import type { Conn } from '@/db/client';
import { analyteCountsByCategory, analyteUses, findAnalyteByCode, listAnalytes, pageAnalytes, ANALYTE_SORTS, type AnalyteSort } from '@/db/queries/analytes';
import type { PageRequest } from './paging';
import { limitRangesOf } from '@/db/queries/eqa-limits';

/** The analytes of the catalogue in code order (active ones only with `activeOnly`). */
export async function catalogueAnalytes(db: Conn, opts: { activeOnly?: boolean } = {}) {
  return await listAnalytes(db, opts);
}

export { ANALYTE_SORTS, type AnalyteSort };

/** One page of the catalogue (the administrator's list), filtered and counted in SQL, with the size
 * of every group for the filter. */
export async function catalogueAnalytesPage(db: Conn, filter: Parameters<typeof pageAnalytes>[1], req: PageRequest<AnalyteSort>) {
  return { ...(await pageAnalytes(db, filter, req)), groups: await analyteCountsByCategory(db) };
}

/** One analyte with its EQA limit ranges and whether stored data use it (its kind and category codes
 * are then fixed: lib/services/catalogue.ts), for the administrator's analyte page; undefined when unknown. */
export async function analyteWithLimits(db: Conn, code: string) {
  const analyte = await findAnalyteByCode(db, code);
  if (!analyte) return undefined;
  const uses = await analyteUses(db, analyte.id);
  return { analyte, ranges: (await limitRangesOf(db, [analyte.id])).get(analyte.id) ?? [], inUse: uses.iqc || uses.eqa };
}

/** One item of the public catalogue (`GET /api/v1/analytes`): unit for quantitative items, category
 * codes from the lowest (negative) grade to the highest for the others, LOINC where the item has one. */
export interface PublicCatalogueItem {
  code: string;
  nameZh: string;
  nameEn: string;
  kind: string;
  unit?: string;
  categories?: string[];
  loinc?: string;
}

/** The active items of the catalogue as the public API lists them, in code order. */
export async function publicCatalogue(db: Conn): Promise<PublicCatalogueItem[]> {
  return (await listAnalytes(db, { activeOnly: true }))
    .map((a) => ({
      code: a.code,
      nameZh: a.nameZh,
      nameEn: a.nameEn,
      kind: a.kind,
      ...(a.unit ? { unit: a.unit } : {}),
      ...(a.kind !== 'quantitative' && a.categories?.length ? { categories: a.categories.map((c) => c.code) } : {}),
      ...(a.loinc ? { loinc: a.loinc } : {}),
    }))
    .sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
}

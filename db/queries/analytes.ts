import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Conn } from '../client';
import { analytes, controlLots, eqaSchemeAnalytes } from '../schema';
import type { AnalyteCategory, AnalyteKind } from '../enums';
import { pageOf, textFilter, type PageRequest } from './paging';
import { first } from '@/db/dialect';

export async function listAnalytes(db: Conn, opts: { activeOnly?: boolean } = {}) {
  return await db
    .select()
    .from(analytes)
    .where(opts.activeOnly ? eq(analytes.active, true) : undefined)
    .orderBy(asc(analytes.category), asc(analytes.code));
}

export async function findAnalyteByCode(db: Conn, code: string) {
  return first(await db.select().from(analytes).where(eq(analytes.code, code)).limit(1));
}

/** The items of these codes (one read for a batch's rows), by code; codes not in the catalogue are absent. */
export async function analytesByCodes(db: Conn, codes: Iterable<string>): Promise<Map<string, { id: number; code: string; kind: AnalyteKind }>> {
  const wanted = [...new Set(codes)];
  if (!wanted.length) return new Map();
  const rows = await db.select({ id: analytes.id, code: analytes.code, kind: analytes.kind }).from(analytes).where(inArray(analytes.code, wanted));
  return new Map(rows.map((r) => [r.code, r]));
}

/** The code of the item holding a LOINC code, if any. */
export async function analyteCodeOfLoinc(db: Conn, loinc: string): Promise<string | undefined> {
  return first(await db.select({ code: analytes.code }).from(analytes).where(eq(analytes.loinc, loinc)).limit(1))?.code;
}

/** Where stored data use an item: control lots of any lab (control_lots_analyte_idx) and EQA schemes
 * (a few hundred rows). Each is one indexed probe, not a count. */
export async function analyteUses(db: Conn, analyteId: number): Promise<{ iqc: boolean; eqa: boolean }> {
  const [lot, scheme] = await Promise.all([
    db.select({ id: controlLots.id }).from(controlLots).where(eq(controlLots.analyteId, analyteId)).limit(1),
    db.select({ id: eqaSchemeAnalytes.schemeId }).from(eqaSchemeAnalytes).where(eq(eqaSchemeAnalytes.analyteId, analyteId)).limit(1),
  ]);
  return { iqc: lot.length > 0, eqa: scheme.length > 0 };
}

export async function findAnalyteById(db: Conn, id: number) {
  return first(await db.select().from(analytes).where(eq(analytes.id, id)).limit(1));
}

/** id → code for every analyte (a few hundred: read whole). */
export async function analyteCodesById(db: Conn): Promise<Map<number, string>> {
  return new Map((await db.select({ id: analytes.id, code: analytes.code }).from(analytes)).map((a) => [a.id, a.code]));
}

/** code → id for every analyte: imports resolve codes against this once, not per row. */
export async function analyteIdsByCode(db: Conn): Promise<Map<string, number>> {
  return new Map((await db.select({ id: analytes.id, code: analytes.code }).from(analytes)).map((a) => [a.code, a.id]));
}

export const ANALYTE_SORTS = ['category', 'code', 'name'] as const;
export type AnalyteSort = (typeof ANALYTE_SORTS)[number];

const analyteCols = {
  id: analytes.id,
  code: analytes.code,
  loinc: analytes.loinc,
  nameEn: analytes.nameEn,
  nameZh: analytes.nameZh,
  unit: analytes.unit,
  category: analytes.category,
  kind: analytes.kind,
  categories: analytes.categories,
  teaPercent: analytes.teaPercent,
  teaAbsolute: analytes.teaAbsolute,
  teaAbsoluteAtOrBelow: analytes.teaAbsoluteAtOrBelow,
  teaForm: analytes.teaForm,
  teaSource: analytes.teaSource,
  allowableCvPercent: analytes.allowableCvPercent,
  active: analytes.active,
};

/** One page of the catalogue, filtered by group, kind and text (code, names, LOINC). */
export async function pageAnalytes(db: Conn, f: { category?: AnalyteCategory; kind?: AnalyteKind }, req: PageRequest<AnalyteSort>) {
  const cond = and(
    f.category ? eq(analytes.category, f.category) : undefined,
    f.kind ? eq(analytes.kind, f.kind) : undefined,
    textFilter(req.q, [analytes.code, analytes.nameZh, analytes.nameEn, analytes.loinc]),
  );
  const sorts: Record<AnalyteSort, unknown[]> = { category: [analytes.category, analytes.code], code: [analytes.code], name: [analytes.nameEn, analytes.code] };
  return pageOf((s) => db.select(s as never).from(analytes).where(cond), analyteCols, sorts, req);
}

/** How many items each group of the catalogue holds. */
export async function analyteCountsByCategory(db: Conn): Promise<Map<AnalyteCategory, number>> {
  return new Map(
    (await db
      .select({ category: analytes.category, n: count() })
      .from(analytes)
      .groupBy(analytes.category))
      .map((r) => [r.category, r.n]),
  );
}

// Paged lists: one page of rows plus the count that matches (db/queries/paging.ts pageOf), scoped by
// the reader's DataScope in SQL, sorted by keys with an index behind them. Labs (labs_code_uq,
// labs_name_idx, regions_path_idx), accounts (users_email_uq, users_role_name_idx), EQA rounds
// (eqa_rounds_opens_idx, eqa_rounds_closes_idx, eqa_rounds_code_uq) and the IQC results of a chart
// (iqc_results_lab_analyte_time_idx). Corrective actions page in ./iqc-actions.ts.
import { and, eq, gte, like, lt, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { controlLots, eqaRounds, eqaSchemes, iqcResults, iqcRuns, laboratories, regions, users, type Laboratory } from '../schema';
import type { Role } from '../enums';
import { scopeWhere } from './scope';
import { visibilityCondition } from './eqa';
import { itemResults, resultReadingCols } from './iqc';
import { pageOf, textFilter, type PageRequest } from './paging';
import { asInt, first, stringAgg } from '@/db/dialect';

export { ACTION_SORTS, pageCorrectiveActions, type ActionSort } from './iqc-actions';

export const LAB_SORTS = ['city', 'code', 'name'] as const;
export type LabSort = (typeof LAB_SORTS)[number];

const labCols = {
  id: laboratories.id,
  code: laboratories.code,
  name: laboratories.name,
  nameEn: laboratories.nameEn,
  level: laboratories.level,
  active: laboratories.active,
  regionCode: regions.code,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
};

/** One page of the labs in a scope, filtered by city, level, activity and text (code or names). */
export async function pageLabs(db: Conn, scope: DataScope, f: { regionCode?: string; level?: string; activeOnly?: boolean; locale?: string }, req: PageRequest<LabSort>) {
  const cond = and(
    scopeWhere(scope, laboratories.id, regions.path),
    f.regionCode ? like(regions.path, `%/${f.regionCode}/%`) : undefined,
    f.activeOnly ? eq(laboratories.active, true) : undefined,
    f.level ? eq(laboratories.level, f.level as Laboratory['level']) : undefined,
    textFilter(req.q, [laboratories.code, laboratories.name, laboratories.nameEn]),
  );
  // by name as the reader reads it: in English the English name (the Chinese one where there is none)
  const name = f.locale === 'en' ? sql`coalesce(${laboratories.nameEn}, ${laboratories.name})` : laboratories.name;
  const sorts: Record<LabSort, unknown[]> = { city: [regions.path, laboratories.code], code: [laboratories.code], name: [name, laboratories.code] };
  return pageOf((s) => db.select(s as never).from(laboratories).innerJoin(regions, eq(regions.id, laboratories.regionId)).where(cond), labCols, sorts, req);
}

export const USER_SORTS = ['lab', 'name', 'email'] as const;
export type UserSort = (typeof USER_SORTS)[number];

const userCols = {
  id: users.id,
  name: users.name,
  email: users.email,
  active: users.active,
  labCode: laboratories.code,
  regionCode: regions.code,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
};

/** One page of the accounts of a role in a scope (lab managers by their lab, regulators by their region). */
export async function pageUsers(db: Conn, scope: DataScope, role: Role, req: PageRequest<UserSort>) {
  const cond = and(eq(users.role, role), scopeWhere(scope, users.labId, regions.path), textFilter(req.q, [users.email, users.name, laboratories.code]));
  const sorts: Record<UserSort, unknown[]> = { lab: [regions.path, laboratories.code, users.email], name: [users.name, users.email], email: [users.email] };
  return pageOf(
    (s) =>
      db
        .select(s as never)
        .from(users)
        .leftJoin(laboratories, eq(laboratories.id, users.labId))
        .leftJoin(regions, eq(regions.id, sql`coalesce(${users.regionId}, ${laboratories.regionId})`))
        .where(cond),
    userCols,
    sorts,
    req,
  );
}

export const ROUND_SORTS = ['opens', 'closes', 'code'] as const;
export type RoundSort = (typeof ROUND_SORTS)[number];

const roundCols = {
  id: eqaRounds.id,
  code: eqaRounds.code,
  status: eqaRounds.status,
  opensAt: eqaRounds.opensAt,
  closesAt: eqaRounds.closesAt,
  schemeCode: eqaSchemes.code,
  schemeName: eqaSchemes.name,
  schemeNameEn: eqaSchemes.nameEn,
  samples: sql<string | null>`(select ${stringAgg(sql`code`, ',')} from (select code from eqa_samples s where s.round_id = ${eqaRounds.id} order by s.ordinal) o)`,
};

/** One page of the EQA rounds a scope sees (the visibility rule of ./eqa.ts), filtered by text
 * (round code, scheme code or names), with each round's sample codes. */
export async function pageRounds(db: Conn, scope: DataScope, req: PageRequest<RoundSort>) {
  const cond = and(visibilityCondition(scope), textFilter(req.q, [eqaRounds.code, eqaSchemes.code, eqaSchemes.name, eqaSchemes.nameEn]));
  const sorts: Record<RoundSort, unknown[]> = { opens: [eqaRounds.opensAt, eqaRounds.id], closes: [eqaRounds.closesAt, eqaRounds.id], code: [eqaRounds.code] };
  const page = await pageOf(
    (s) =>
      db
        .select(s as never)
        .from(eqaRounds)
        .innerJoin(eqaSchemes, eq(eqaSchemes.id, eqaRounds.schemeId))
        .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
        .where(cond),
    roundCols,
    sorts,
    req,
  );
  return { ...page, rows: page.rows.map((r) => ({ ...r, samples: r.samples ? r.samples.split(',') : [] })) };
}

/** How many of the rounds a scope sees take submissions at `now` (open, before closing) and wait for
 *  an evaluation (closed, or open past closing): the regulator landing's counts, without the list. */
export async function countRoundsToAct(db: Conn, scope: DataScope, now: number) {
  const row = first(await db
    .select({
      // accepting results now: opened, its opening time reached and its closing time not (an open
      // round whose opening time is ahead is not yet open, as its page says)
      open: sql<number>`coalesce(sum(${asInt(sql`${eqaRounds.status} = 'open' and ${eqaRounds.opensAt} <= ${now} and ${eqaRounds.closesAt} > ${now}`)}), 0)`.mapWith(Number),
      toEvaluate: sql<number>`coalesce(sum(${asInt(sql`${eqaRounds.status} = 'closed' or (${eqaRounds.status} = 'open' and ${eqaRounds.closesAt} <= ${now})`)}), 0)`.mapWith(Number),
    })
    .from(eqaRounds)
    .innerJoin(eqaSchemes, eq(eqaSchemes.id, eqaRounds.schemeId))
    .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
    .where(visibilityCondition(scope)).limit(1));
  return { open: row?.open ?? 0, toEvaluate: row?.toEvaluate ?? 0 };
}

export const IQC_RESULT_SORTS = ['time'] as const;
export type IqcResultSort = (typeof IQC_RESULT_SORTS)[number];

const iqcResultCols = { resultId: iqcResults.id, ...resultReadingCols, status: iqcRuns.status };

/** One page of the current IQC results of a lab × analyte (× instrument) in [from, to), filtered by
 * text (level or lot number), by time (ties by id). */
export async function pageIqcResults(db: Conn, scope: DataScope, f: { labId: number; analyteId: number; instrument?: string; from: number; to: number }, req: PageRequest<IqcResultSort>) {
  // one instrument's results are read through its control lots (itemResults): the scope names their
  // lab there too, as SQLite would otherwise walk every result of the lab by it
  const lab = f.instrument === undefined ? iqcResults.labId : controlLots.labId;
  const cond = and(
    itemResults(db, f.labId, f.analyteId, f.instrument),
    gte(iqcResults.measuredAt, f.from),
    lt(iqcResults.measuredAt, f.to),
    eq(iqcResults.current, true),
    scopeWhere(scope, lab, sql`(SELECT r.path FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.id = ${lab})`),
    textFilter(req.q, [iqcResults.level, controlLots.lotNumber]),
  );
  const sorts: Record<IqcResultSort, unknown[]> = { time: [iqcResults.measuredAt, iqcResults.id] };
  return pageOf(
    (s) =>
      db
        .select(s as never)
        .from(iqcResults)
        .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
        .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
        .where(cond),
    iqcResultCols,
    sorts,
    req,
  );
}

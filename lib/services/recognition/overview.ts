// The regional overview for regulators: labs, certified pairs, recognised test types per city
// (national target 200+ per prefecture-level city), EQA pass rates and IQC coverage per month, and
// the certifications closest to being lost.
import type { DB } from '@/db/client';
import { findRegionByCode, findRegionById } from '@/db/queries/regions';
import {
  certificationStatusCounts,
  certificationsAtRisk,
  eligibilityCounts,
  eqaPassRateByMonth,
  iqcCoverageByMonth,
  recognitionByRegion,
} from '@/db/queries/recognition-overview';
import type { CriterionLine } from '@/db/queries/recognition';
import { can, regionScope, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { addDays, addMonths, dayOf, isWorkingDay, startOfDay } from '@/lib/calendar';
import { workCalendarForPath } from './calendar';

/** The national target for recognised test types per prefecture-level city (DOMAIN.md §1, unverified: kept as data). */
export const CITY_TARGET_TESTS = 200;

export async function regionalOverview(db: DB, actor: Actor, input: { regionCode?: string } = {}, opts: { now?: number; months?: number } = {}) {
  const region = input.regionCode ? await findRegionByCode(db, input.regionCode) : actor.regionId ? await findRegionById(db, actor.regionId) : undefined;
  if (!region) throw new AppError('region.noSuch');
  if (!can(actor, 'overview.read', { regionPath: region.path })) throw new AppError('region.outsideJurisdiction');
  const now = opts.now ?? Date.now();
  const today = dayOf(now);
  const months = opts.months ?? 12;
  const firstMonth = `${addMonths(today, -(months - 1)).slice(0, 7)}-01`;
  const fromMs = startOfDay(firstMonth);

  const scope = regionScope(region.path);
  const byRegion = await recognitionByRegion(db, scope, today);
  const statuses = await certificationStatusCounts(db, scope);
  const elig = await eligibilityCounts(db, scope);

  const eqa = (await eqaPassRateByMonth(db, scope, fromMs)).map((m) => ({ month: m.month, total: m.total, passRate: m.total ? Math.round((1000 * m.satisfactory) / m.total) / 10 : null }));
  // working days of the region's calendar (a sub-region's own entries are not applied to this total)
  const calendar = await workCalendarForPath(db, region.path, firstMonth, today);
  const workingDays: string[] = [];
  for (let d = firstMonth; d < today; d = addDays(d, 1)) if (isWorkingDay(d, calendar)) workingDays.push(d);
  const iqc = (await iqcCoverageByMonth(db, scope, firstMonth, today, workingDays)).map((m) => {
    // working days of that month up to yesterday
    const working = workingDays.filter((d) => d.startsWith(m.month)).length;
    return { month: m.month, pairs: m.pairs, coverage: working && m.pairs ? Math.round((1000 * m.coveredDays) / (m.pairs * working)) / 10 : null };
  });

  const atRisk = (await certificationsAtRisk(db, scope, today, addDays(today, 60))).map((r) => {
    const lines = (r.criteria ? (JSON.parse(r.criteria) as CriterionLine[]) : []).filter((l) => !l.met).map((l) => l.key);
    return { ...r, flagged: !!r.flagged, eligible: r.eligible === null ? null : !!r.eligible, unmet: lines };
  });

  const count = (s: string) => statuses.filter((x) => x.status === s).reduce((a, x) => a + x.n, 0);
  return {
    region,
    today,
    totals: {
      labs: byRegion.reduce((a, r) => a + r.labs, 0),
      certifiedPairs: count('active'),
      suspended: count('suspended'),
      revoked: count('revoked'),
      expired: count('expired'),
      flagged: statuses.filter((x) => x.flagged).reduce((a, x) => a + x.n, 0),
      eligiblePairs: elig.eligible,
      evaluatedPairs: elig.pairs,
    },
    byRegion: byRegion.map((r) => ({ ...r, target: r.regionLevel === 'city' ? CITY_TARGET_TESTS : null })),
    eqa,
    iqc,
    atRisk,
  };
}

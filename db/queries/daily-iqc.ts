// Reads of the daily IQC aggregates (db/schema/iqc.ts iqcDailySeries, iqcDailyLots) for dashboards,
// the regional overview and eligibility. They are written by ./daily-iqc-refresh.ts (in the ingest's
// transaction), rolled up by ./daily-iqc-rollups.ts and rebuilt from scratch by ./daily-iqc-rebuild.ts.
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { rawAll } from '@/db/dialect';

const idList = (ids: readonly number[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/** Per lab × analyte × day in [fromDay, toDay): distinct control levels with a current, not excluded
 * result (any instrument). The labs' control lots, then each lot's days (its key range). */
export async function levelDaysOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  return await rawAll<{ labId: number; analyteId: number; day: string; levels: number }>(db, sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.day, count(DISTINCT d.level) AS levels
    FROM control_lots l JOIN iqc_daily_lots d ON d.control_lot_id = l.id
    WHERE l.lab_id IN (${idList(labIds)}) AND d.day >= ${fromDay} AND d.day < ${toDay}
    GROUP BY d.lab_id, d.analyte_id, d.day`);
}

/** Per control lot and day in [fromDay, toDay): the in-control moments, with the lot's instrument,
 * lot number and level (the CV criterion's groups). */
export async function lotMomentsOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  return await rawAll<{ labId: number; analyteId: number; controlLotId: number; instrument: string; lot: string; level: string; day: string; n: number; mean: number | null; sumSqDev: number }>(db, sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.control_lot_id AS controlLotId, l.instrument, l.lot_number AS lot, d.level, d.day,
           d.n, d.mean, d.sum_sq_dev AS sumSqDev
    FROM control_lots l JOIN iqc_daily_lots d ON d.control_lot_id = l.id
    WHERE l.lab_id IN (${idList(labIds)}) AND d.day >= ${fromDay} AND d.day < ${toDay} AND d.n > 0
    ORDER BY d.control_lot_id, d.day`);
}

/** Per analyte × instrument of a lab: runs in total and the day of the latest (the lab dashboard). */
export async function seriesTotalsOfLab(db: Conn, labId: number) {
  return await rawAll<{ analyteId: number; instrument: string; runs: number; lastDay: string }>(db, sql`
    SELECT analyte_id AS analyteId, instrument, sum(runs) AS runs, max(day) AS lastDay
    FROM iqc_daily_series WHERE lab_id = ${labId} AND runs > 0 GROUP BY analyte_id, instrument`);
}

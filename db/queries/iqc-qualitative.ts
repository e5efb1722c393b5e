// Qualitative IQC coverage (DOMAIN.md §4; CLIA 493.1256(d)(3)(ii): a negative and a positive control
// each day of testing): per lab × categorical item × day (UTC+8, as the daily aggregates), whether a
// negative control (a lot expecting the item's lowest category) and a positive control (a lot
// expecting any higher category) were run. Read from the daily control-lot aggregates
// (iqc_daily_lots: current, not excluded results, whatever the run's verdict), so it stays as
// current as they are. The recognition criterion "IQC coverage with both controls" reads this.
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { asInt, firstCategoryCode, rawAll } from '@/db/dialect';

export interface QualitativeCoverageDay {
  labId: number;
  analyteId: number;
  /** YYYY-MM-DD (UTC+8) */
  day: string;
  negative: boolean;
  positive: boolean;
  /** both controls were run that day */
  both: boolean;
}

export interface QualitativeCoverageQuery {
  /** inclusive day bounds (YYYY-MM-DD) */
  fromDay: string;
  toDay: string;
  labId?: number;
  analyteId?: number;
}

// a day's lots: one expecting the item's lowest (negative) category; one expecting a higher category
const NEGATIVE = sql`coalesce(max(${asInt(sql`l.expected_category = ${firstCategoryCode(sql`a.categories`)}`)}), 0)`;
const POSITIVE = sql`coalesce(max(${asInt(sql`l.expected_category <> ${firstCategoryCode(sql`a.categories`)}`)}), 0)`;

/** Days on which a categorical item had control results at a lab, with which controls were run. */
export async function qualitativeControlCoverage(db: Conn, q: QualitativeCoverageQuery): Promise<QualitativeCoverageDay[]> {
  const rows = await rawAll<{ labId: number; analyteId: number; day: string; negative: number; positive: number }>(db, sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.day,
           ${NEGATIVE} AS negative, ${POSITIVE} AS positive
    FROM iqc_daily_lots d
    JOIN control_lots l ON l.id = d.control_lot_id
    JOIN analytes a ON a.id = d.analyte_id
    WHERE a.kind <> 'quantitative' AND d.results > 0 AND d.day >= ${q.fromDay} AND d.day <= ${q.toDay}
      ${q.labId !== undefined ? sql`AND d.lab_id = ${q.labId}` : sql``}
      ${q.analyteId !== undefined ? sql`AND d.analyte_id = ${q.analyteId}` : sql``}
    GROUP BY d.lab_id, d.analyte_id, d.day
    ORDER BY d.lab_id, d.analyte_id, d.day`);
  return rows.map((r) => ({ labId: r.labId, analyteId: r.analyteId, day: r.day, negative: !!r.negative, positive: !!r.positive, both: !!r.negative && !!r.positive }));
}

/** Per lab × categorical item: days with control results and days with both controls in the range. */
export async function qualitativeCoverageSummary(db: Conn, q: QualitativeCoverageQuery): Promise<{ labId: number; analyteId: number; days: number; bothDays: number }[]> {
  const out = new Map<string, { labId: number; analyteId: number; days: number; bothDays: number }>();
  for (const d of await qualitativeControlCoverage(db, q)) {
    const k = `${d.labId}:${d.analyteId}`;
    let x = out.get(k);
    if (!x) out.set(k, (x = { labId: d.labId, analyteId: d.analyteId, days: 0, bothDays: 0 }));
    x.days++;
    if (d.both) x.bothDays++;
  }
  return [...out.values()];
}

/**
 * The same coverage for a batch of labs over days [fromDay, toDay), read through the labs' control
 * lots (the daily aggregates' key range), with the number of distinct categories the day's controls
 * expect (nominal items: controls of two known types). The recognition engine reads this per batch.
 */
export async function controlCoverageOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  const rows = await rawAll<{ labId: number; analyteId: number; day: string; negative: number; positive: number; categories: number }>(db, sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.day, ${NEGATIVE} AS negative, ${POSITIVE} AS positive,
           count(DISTINCT l.expected_category) AS categories
    FROM control_lots l
    JOIN analytes a ON a.id = l.analyte_id AND a.kind <> 'quantitative'
    JOIN iqc_daily_lots d ON d.control_lot_id = l.id
    WHERE l.lab_id IN (${sql.join(labIds.map((i) => sql`${i}`), sql`, `)}) AND l.expected_category IS NOT NULL
      AND d.results > 0 AND d.day >= ${fromDay} AND d.day < ${toDay}
    GROUP BY d.lab_id, d.analyte_id, d.day`);
  return rows.map((r) => ({ labId: r.labId, analyteId: r.analyteId, day: r.day, negative: !!r.negative, positive: !!r.positive, categories: r.categories }));
}

// Reads for the per-instrument Levey-Jennings page beyond the chart points: which results the lab
// excluded, and why. The lab id is in the SQL (the caller has authorized that lab).
import { inArray } from 'drizzle-orm';
import type { Conn } from '../client';
import { iqcResults } from '../schema';

/** Exclusion state of results of a lab, by result id (ids of other labs are not returned). The rows
 * are read by id alone and the lab checked here: with the lab in the WHERE, SQLite read every result
 * of the lab through (lab, analyte, time) instead of the few ids' rows. */
export async function exclusionsOf(db: Conn, labId: number, resultIds: readonly number[]): Promise<Map<number, { excluded: boolean; reason: string | null }>> {
  const out = new Map<number, { excluded: boolean; reason: string | null }>();
  for (let i = 0; i < resultIds.length; i += 500) {
    const rows = await db
      .select({ id: iqcResults.id, labId: iqcResults.labId, excluded: iqcResults.excluded, reason: iqcResults.excludedReason })
      .from(iqcResults)
      .where(inArray(iqcResults.id, resultIds.slice(i, i + 500)));
    for (const r of rows) if (r.labId === labId) out.set(r.id, { excluded: r.excluded, reason: r.reason });
  }
  return out;
}

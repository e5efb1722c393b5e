// Reads for the per-instrument Levey-Jennings page beyond the chart points: which results the lab
// excluded, and why. The lab id is in the SQL (the caller has authorized that lab).
import { and, eq, inArray } from 'drizzle-orm';
import type { Conn } from '../client';
import { iqcResults } from '../schema';

/** Exclusion state of results of a lab, by result id (ids of other labs are not returned). */
export async function exclusionsOf(db: Conn, labId: number, resultIds: readonly number[]): Promise<Map<number, { excluded: boolean; reason: string | null }>> {
  const out = new Map<number, { excluded: boolean; reason: string | null }>();
  for (let i = 0; i < resultIds.length; i += 500) {
    const rows = await db
      .select({ id: iqcResults.id, excluded: iqcResults.excluded, reason: iqcResults.excludedReason })
      .from(iqcResults)
      .where(and(eq(iqcResults.labId, labId), inArray(iqcResults.id, resultIds.slice(i, i + 500))));
    for (const r of rows) out.set(r.id, { excluded: r.excluded, reason: r.reason });
  }
  return out;
}

// Re-judging a series on PostgreSQL (after a correction or an exclusion): the same engine as
// SQLite's reevaluateSeries (./write.ts), its synchronous statements answered from rows loaded first
// (db/pg/iqc-ingest.ts: the series' current results from the edited run on, the in-control history
// before it, the corrective actions of its runs) and its writes, with the daily aggregates of the
// touched days (db/pg/daily-iqc-refresh.ts), flushed in the caller's transaction before it returns.
import type { DB } from '@/db/client';
import type { IqcStatements } from '@/db/queries/iqc-ingest';
import { pgLabStatements } from '@/db/pg/iqc-ingest';
import { evaluatePlan, readPlanContext, selectorFor } from './judge';
import { seriesFrom } from './runs';
import { MAX_CONTEXT_RUNS, type LabContext } from './series';
import { writePlan, type WriteContext, type WriteSummary } from './write';

export async function pgReevaluateSeries(db: DB, ctx: LabContext, analyteId: number, instrument: string, from: number, w: WriteContext): Promise<WriteSummary> {
  const pg = await pgLabStatements(db, ctx.labId);
  await pg.loadSeries(analyteId, instrument, from);
  const s = pg as unknown as IqcStatements;
  const plan = seriesFrom(s, ctx, analyteId, '', instrument, from);
  await pg.loadWriting([plan], 0, MAX_CONTEXT_RUNS, readPlanContext);
  evaluatePlan(s, ctx, plan, await selectorFor(db, ctx));
  // the run at `from` holds the corrected or excluded result: its days are recomputed even when its
  // verdict stays
  const summary = writePlan(s, ctx, plan, w, null, from);
  await pg.flush();
  return summary;
}

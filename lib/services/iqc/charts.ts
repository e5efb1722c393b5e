// Levey-Jennings charts per instrument: a lab that measures an analyte on several instruments gets
// one chart per instrument (its own lots, lot boundaries and targets), never one chart that mixes
// them; a selector narrows the page to one instrument.
import type { DB } from '@/db/client';
import { exclusionsOf } from '@/db/queries/iqc-charts';
import type { Actor } from '@/lib/auth/core';
import { chartData } from './chart-view';
import { mapSeq } from '@/lib/async';

type ChartQuery = { lab?: string | null; analyte: string; from?: string | null; to?: string | null; instrument?: string | null };

type Panel = Awaited<ReturnType<typeof chartData>>['panels'][number];

/** A chart point with whether the lab excluded it from the rules and statistics, and why. */
export type InstrumentChartPoint = Panel['points'][number] & { excluded: boolean; excludedReason: string | null };

/** One chart of an analyte on one instrument ('' when the results name no instrument). */
export interface InstrumentChart {
  instrument: string;
  panels: (Omit<Panel, 'points'> & { points: InstrumentChartPoint[] })[];
}

/**
 * The charts of an analyte for a date range, one per instrument with results in the range (all of
 * them, or the one asked for with `instrument`). `instruments` lists every instrument of the range
 * (for the selector); an instrument that is not among them gives no chart.
 */
export async function instrumentCharts(db: DB, actor: Actor, q: ChartQuery, now = Date.now()) {
  const all = await chartData(db, actor, { ...q, instrument: null }, now);
  const { panels: _mixed, ...base } = all;
  const wanted = q.instrument != null && q.instrument !== '' ? [q.instrument].filter((i) => all.instruments.includes(i)) : all.instruments;
  const charts: InstrumentChart[] = (await mapSeq(wanted, async (instrument) => {
    const panels = all.instruments.length === 1 ? all.panels : (await chartData(db, actor, { ...q, instrument }, now)).panels;
    const exclusions = await exclusionsOf(db, all.labId, panels.flatMap((p) => p.points.map((x) => x.resultId)));
    return {
      instrument,
      panels: panels.map((p) => ({
        ...p,
        points: p.points.map((x) => ({ ...x, excluded: exclusions.get(x.resultId)?.excluded ?? false, excludedReason: exclusions.get(x.resultId)?.reason ?? null })),
      })),
    };
  }));
  return { ...base, selected: q.instrument || null, charts };
}

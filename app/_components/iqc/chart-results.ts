// One page of each chart's results for the chart pages (lab and regulator): each instrument's list
// has its own paging parameters (prefix `r0_`, `r1_`, …), newest first, 25 a page.
import type { Conn } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import type { instrumentCharts } from '@/lib/services/iqc/charts';
import { chartResultsPage, IQC_RESULT_SORTS } from '@/lib/services/read/iqc-results';
import { readPage, type SearchParams } from '@/app/_components/data-table';
import { mapSeq } from '@/lib/async';

export type ChartResultPage = Awaited<ReturnType<typeof chartResultPages>>[number];

export async function chartResultPages(db: Conn, actor: Actor, data: Awaited<ReturnType<typeof instrumentCharts>>, sp: SearchParams) {
  return await mapSeq([...data.charts.entries()], async ([i, chart]) => {
    const prefix = `r${i}_`;
    const page = readPage(sp, { sorts: IQC_RESULT_SORTS, sort: 'time', dir: 'desc', size: 25, prefix });
    const chartOf = { labId: data.labId, analyteId: data.analyte.id, instrument: chart.instrument, from: data.from, to: data.to };
    return { prefix, page, ...(await chartResultsPage(db, actor, chartOf, page)) };
  });
}

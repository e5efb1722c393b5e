// Read model of the IQC results listed under a Levey-Jennings chart: one page at a time, newest
// first by default, within the actor's scope in SQL (the chart's lab, test and range come from
// instrumentCharts, which has already checked that the actor may read that lab).
import type { Conn } from '@/db/client';
import { IQC_RESULT_SORTS, pageIqcResults, type IqcResultSort } from '@/db/queries/lists';
import type { PageRequest } from '@/db/queries/paging';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';

export { IQC_RESULT_SORTS, type IqcResultSort };

/** One page of the current results of one instrument's chart (lab × test × instrument in [from, to)). */
export function chartResultsPage(db: Conn, actor: Actor, chart: { labId: number; analyteId: number; instrument: string; from: number; to: number }, req: PageRequest<IqcResultSort>) {
  if (!can(actor, 'iqc.read')) throw new AppError('iqc.readNotAllowed');
  return pageIqcResults(db, scopeOf(actor), chart, req);
}

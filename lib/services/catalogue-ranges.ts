// Adding the concentration ranges of db/seed-data/limit-ranges.csv to an installation (`npm run db:seed`
// and the catalogue step of `npm run db:migrate`). Like the catalogue items, what is already there stays:
// an analyte that has ranges, or whose ranges an administrator ever set (setLimitRanges keeps each
// previous state, so even a deliberate return to the flat limit is remembered), is never touched.
import type { DB } from '@/db/client';
import { analyteIdsByCode } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { limitRangesOf, replaceLimitRanges } from '@/db/queries/eqa-limits';
import { listEntityVersions } from '@/db/queries/versions';
import { AppError } from '@/lib/errors';
import type { AnalyteLimitRanges } from '@/lib/catalogue/limit-ranges';
import { withTx } from '@/db/tx';

/**
 * Store the file's ranges of each analyte that has none and whose ranges no administrator has set.
 * Idempotent; one audit row names the analytes given ranges. An analyte code the catalogue lacks is an
 * error of the file (404 naming it), and nothing is written.
 */
export async function addMissingLimitRanges(db: DB, file: readonly AnalyteLimitRanges[], actorEmail = 'system (db:migrate)', now = Date.now()): Promise<{ added: string[]; kept: string[] }> {
  return await withTx(db, async (tx) => {
    const ids = await analyteIdsByCode(tx);
    const unknown = file.find((a) => !ids.has(a.analyte));
    if (unknown) throw new AppError('analyte.notFound', { analyte: unknown.analyte });
    const added: string[] = [];
    const kept: string[] = [];
    let ranges = 0;
    for (const a of file) {
      const id = ids.get(a.analyte)!;
      const has = ((await limitRangesOf(tx, [id])).get(id) ?? []).length > 0;
      if (has || (await listEntityVersions(tx, 'analyte_limit_ranges', id)).length > 0) {
        kept.push(a.analyte);
        continue;
      }
      await replaceLimitRanges(tx, id, a.ranges.map((r) => ({ fromValue: r.from, toValue: r.to, percent: r.percent, absolute: r.absolute, form: r.form, threshold: r.threshold, source: r.source })));
      added.push(a.analyte);
      ranges += a.ranges.length;
    }
    if (added.length) {
      await insertAudit(tx, { actorEmail, action: 'analyte.limitRanges.addMissing', entityType: 'analyte', details: { added, ranges, file: 'db/seed-data/limit-ranges.csv' }, at: now });
    }
    return { added, kept };
  });
}

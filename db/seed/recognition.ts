// Demo recognition data (runs after the IQC and EQA seeds, through the recognition services as the
// demo regulators): policies for Guangdong and Zhejiang with a Shenzhen override, the eligibility
// verdicts, and certifications in every state, with past effective dates so that the public
// point-in-time check gives different answers for different days; qualitative, ordinal and nominal
// items (db/seed/categorical.ts) recognised last month. Robust to missing evidence: with
// fewer eligible pairs it issues fewer certificates (and says so in the log).
import type { SeedContext } from './context';
import type { Actor } from '@/lib/auth/core';
import { analyteIdsByCode } from '@/db/queries/analytes';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility, runDailyEligibility } from '@/lib/services/recognition/eligibility';
import { decide, expireCertifications, flagCertifications, type DecisionResult } from '@/lib/services/recognition/decisions';
import { recognitionQueuePage } from '@/lib/services/recognition/queue';
import { MAX_PAGE_SIZE, type PageRequest } from '@/db/queries/paging';
import type { DB } from '@/db/client';
import { addDays, addMonths, dayOf, startOfDay } from '@/lib/calendar';
import { createRandom } from './random';
import { CATEGORICAL_IQC_ITEMS } from './categorical';

/** The demo's past decisions were made on their effective day (a decision is never back-dated). */
const onDay = (day: string) => startOfDay(day) + 10 * 3600 * 1000;

/** The first `limit` pairs of a regulator's approval queue in the page's default order (city, lab,
 * test), read page by page before any decision is made on them. */
async function approvalQueue(db: DB, by: Actor, now: number, limit = Infinity) {
  const rows: Awaited<ReturnType<typeof recognitionQueuePage>>['toApprove']['rows'] = [];
  for (let page = 1; rows.length < limit; page++) {
    const req: PageRequest<'city'> = { page, size: Math.min(MAX_PAGE_SIZE, limit), sort: 'city', dir: 'asc', q: '' };
    const got = (await recognitionQueuePage(db, by, {}, { approve: req, review: { ...req, page: 1, size: 1 } }, { now })).toApprove.rows;
    rows.push(...got);
    if (got.length < req.size) break;
  }
  return rows;
}

/** The provinces' recognised lists: routine chemistry, lipids, enzymes, HbA1c and common haematology;
 * since the second version also serology, urine dipstick protein and glucose, and blood group. */
const GD_LIST = ['K', 'NA', 'CL', 'CA', 'GLU', 'UREA', 'UA', 'CREA', 'TP', 'ALB', 'CHOL', 'TG', 'HDLC', 'LDLC', 'TBIL', 'ALT', 'AST', 'ALP', 'AMY', 'CK', 'LDH', 'GGT', 'HBA1C', 'WBC', 'RBC', 'HGB', 'PLT', 'PT', 'APTT', 'FIB', ...CATEGORICAL_IQC_ITEMS];
const CATEGORICAL = new Set<string>(CATEGORICAL_IQC_ITEMS);
const GD_LIST_2025 = GD_LIST.slice(0, 22);
const ZJ_LIST = GD_LIST.filter((c) => !['AMY', 'LDH'].includes(c));
const SZ_LIST = [...GD_LIST, 'CRP', 'TSH', 'FT4'];

export async function seedRecognition(ctx: SeedContext): Promise<void> {
  const { db, now, regulators, random, log } = ctx;
  const today = dayOf(now);
  const known = await analyteIdsByCode(db);
  const only = (codes: string[]) => codes.filter((c) => known.has(c));

  // policies: Guangdong v1 two years ago, v2 (longer list) last quarter; Zhejiang; Shenzhen's stricter override
  const policy = async (actor: Actor, regionCode: string, effectiveFrom: string, analyteCodes: string[], reason: string, extra: Record<string, unknown> = {}) =>
    await createPolicyVersion(db, actor, { regionCode, effectiveFrom, analyteCodes: only(analyteCodes), reason, ...extra }, { now });
  await policy(regulators.gd, '440000', addMonths(today, -24), GD_LIST_2025, '广东省首批检验结果互认项目');
  await policy(regulators.gd, '440000', addMonths(today, -3), GD_LIST, '增补血细胞分析、凝血、血清学、尿液干化学与血型项目');
  await policy(regulators.zj, '330000', addMonths(today, -24), ZJ_LIST, '浙江省检验结果互认项目目录', { validityMonths: 12 });
  await policy(regulators.sz, '440300', addMonths(today, -18), SZ_LIST, '深圳市互认政策：室内质控覆盖率要求提高至 90%', { criteria: { iqcCoveragePercent: 90 } });

  // the day's eligibility run (claimed: the server's hourly loop does not run it again today)
  const r = await runDailyEligibility(db, now) ?? await computeEligibility(db, { now });
  log(`recognition: ${r.pairs} lab × test pairs evaluated, ${r.eligible} eligible`);

  // approvals: each regulator approves about 70 % of the eligible pairs of its labs, 8 months ago;
  // the rest stay in the queue (the demo and the browser test approve some of them)
  const eightMonthsAgo = addMonths(today, -8);
  const approved: (DecisionResult & { by: Actor })[] = [];
  const approveQueue = async (by: Actor, filter: (labCode: string) => boolean) => {
    for (const p of await approvalQueue(db, by, now)) {
      // qualitative items are approved below, from their own PRNG stream
      if (CATEGORICAL.has(p.analyteCode) || !filter(p.labCode) || random.next() > 0.7) continue;
      approved.push({ ...await decide(db, by, { action: 'approve', labId: p.labId, analyteId: p.analyteId, reason: '符合互认政策，批准互认', effectiveOn: eightMonthsAgo }, { now: onDay(eightMonthsAgo) }), by });
    }
  };
  await approveQueue(regulators.sz, (c) => c.startsWith('SZ-'));
  await approveQueue(regulators.gd, (c) => c.startsWith('GZ-'));
  await approveQueue(regulators.zj, () => true);
  log(`recognition: ${approved.length} certifications issued`);
  // qualitative items (serology, dipstick, blood group) recognised last month: the demo accounts'
  // labs for every eligible one, the others for about three quarters
  const own = createRandom(20261213);
  const lastMonth = addMonths(today, -1);
  let categorical = 0;
  for (const [by, filter] of [
    [regulators.sz, (c: string) => c.startsWith('SZ-')],
    [regulators.gd, (c: string) => c.startsWith('GZ-')],
    [regulators.zj, () => true],
  ] as const) {
    for (const p of await approvalQueue(db, by, now)) {
      if (!CATEGORICAL.has(p.analyteCode) || !filter(p.labCode)) continue;
      if (p.labCode !== 'GZ-001' && p.labCode !== 'HZ-001' && own.next() > 0.75) continue;
      await decide(db, by, { action: 'approve', labId: p.labId, analyteId: p.analyteId, reason: '定性项目室间质评与室内质控（阴性、弱阳性质控）符合互认政策，批准互认', effectiveOn: lastMonth }, { now: onDay(lastMonth) });
      categorical++;
    }
  }
  log(`recognition: ${categorical} certifications of qualitative, ordinal and nominal items issued`);
  if (approved.length < 6) {
    log('recognition: too few eligible pairs for the demo states (is the IQC/EQA evidence seeded?)');
    return;
  }

  // every state: a suspension in the past lifted later; a current suspension; a revocation; a flag;
  // an expiry (approved 14 months ago with a 12-month window). Picked spread over the list.
  const pick = (i: number) => approved[Math.floor((i * approved.length) / 6)];
  const [pastSuspension, currentSuspension, revoked, flagged] = [pick(0), pick(1), pick(2), pick(3)];
  const act = async (c: DecisionResult & { by: Actor }, action: 'suspend' | 'reinstate' | 'revoke', effectiveOn: string, reason: string) =>
    await decide(db, c.by, { action, labId: c.labId, analyteId: c.analyteId, reason, effectiveOn }, { now: onDay(effectiveOn) });
  await act(pastSuspension, 'suspend', addMonths(today, -5), '室间质评结果复核期间暂停互认');
  await act(pastSuspension, 'reinstate', addMonths(today, -3), '整改完成，恢复互认');
  await act(currentSuspension, 'suspend', addDays(today, -20), '室内质控覆盖率不足，暂停互认');
  await act(revoked, 'revoke', addMonths(today, -2), '连续两次室间质评不合格，撤销互认');
  await flagCertifications(db, [{ labId: flagged.labId, analyteId: flagged.analyteId, reason: '室间质评不成功，待监管复核' }], { now });

  // an expired certification: a pair still in the queue, approved 14 months ago for 12 months
  const firstQuantitative = async (by: Actor) => (await approvalQueue(db, by, now, 200)).find((p) => !CATEGORICAL.has(p.analyteCode));
  const expiring = await firstQuantitative(regulators.zj) ?? await firstQuantitative(regulators.gd);
  if (expiring) {
    const by = expiring.regionCode.startsWith('33') ? regulators.zj : regulators.gd;
    await decide(db, by, { action: 'approve', labId: expiring.labId, analyteId: expiring.analyteId, reason: '符合互认政策，批准互认', effectiveOn: addMonths(today, -14) }, { now: onDay(addMonths(today, -14)) });
  }
  const expired = await expireCertifications(db, { now });
  log(`recognition: states seeded (1 reinstated after a past suspension, 1 suspended, 1 revoked, 1 flagged, ${expired} expired)`);
}

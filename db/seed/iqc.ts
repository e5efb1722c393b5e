// Six months of internal QC for every demo laboratory, written through the IQC services as each
// lab's manager: manufacturer targets per lot (a lot change half-way), then one two-level run per
// day and analyte (level 2 a few minutes after level 1), submitted month by month (as a LIS would),
// with realistic imprecision (below the allowable CV for most labs, above it for a few analytes),
// injected shifts, trends and outliers.
// Old corrective actions are resolved, recent ones stay open. Deterministic (ctx.random, ctx.now).
import type { SeedContext } from './context';
import { findLabByCode } from '../queries/labs';
import { listCorrectiveActions } from '../queries/iqc';
import { findAnalyteByCode } from '../queries/analytes';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTargets } from '@/lib/services/iqc/targets';
import { resolveCorrectiveAction } from '@/lib/services/iqc/corrective-actions';
import { mapSeq } from '@/lib/async';
import { dayOf } from '@/lib/calendar';

/** code, level-1 and level-2 control means (SI units) */
const PANEL: [string, number, number][] = [
  ['K', 3.8, 6.2], ['NA', 132, 155], ['CL', 92, 115], ['CA', 2.05, 3.2], ['GLU', 5.2, 16.5],
  ['UREA', 5.5, 20], ['CREA', 88, 450], ['UA', 300, 600], ['TP', 55, 75], ['ALB', 33, 48],
  ['CHOL', 4.2, 6.8], ['TG', 1.4, 3.5], ['HDLC', 1.1, 1.8], ['LDLC', 2.4, 4.5], ['TBIL', 18, 120],
  ['ALT', 40, 180], ['AST', 45, 190], ['ALP', 100, 400], ['GGT', 50, 200], ['CK', 150, 600],
];

/** Labs × analytes with an imprecision above the allowable CV (the demo's "poor CV" examples). */
const POOR_CV: Record<string, string[]> = { 'GZ-001': ['TG'], 'HZ-001': ['ALT'], 'SZ-004': ['CREA', 'UA'], 'NB-007': ['K'] };
/** A recent outlier that leaves a corrective action open on the demo accounts' dashboards. */
const RECENT_OUTLIER: Record<string, { analyte: string; daysAgo: number; z: number }> = {
  'GZ-001': { analyte: 'K', daysAgo: 2, z: 4.2 },
  'HZ-001': { analyte: 'GLU', daysAgo: 1, z: -4.4 },
};

const DAYS = 180;
const DAY = 86_400_000;
const SHANGHAI = 8 * 3_600_000;
const INSTRUMENT = { tertiary: 'Cobas c702', secondary: 'AU5800', primary: 'BS-800' } as const;
const OPERATORS = ['张敏', '李强', '王芳', '陈静', '刘洋'];
const CAUSES = ['试剂批号更换后未重新定标', '质控品复溶不当', '比色杯污染', '光源老化', '定标品过期', '样本针堵塞'];
const FIXES = ['重新定标后复测质控', '重新复溶质控品并复测', '清洗比色杯并复测', '更换光源灯并定标', '更换定标品并重新定标', '疏通样本针并复测'];
const OUTCOMES = ['复测在控，恢复报告', '复测在控，已回顾失控期间患者结果，无需召回', '复测在控，已通知临床'];

export async function seedIqc(ctx: SeedContext): Promise<void> {
  const { db, random } = ctx;
  const today = Math.floor((ctx.now + SHANGHAI) / DAY) * DAY - SHANGHAI; // 00:00 Shanghai
  const start = today - DAYS * DAY;
  const lotChange = today - 90 * DAY;
  const tea = new Map((await mapSeq(PANEL, async ([code]) => [code, (await findAnalyteByCode(db, code))!])));
  let total = 0;
  let resolved = 0;
  const timing = { targets: 0, ingest: 0, resolve: 0 };

  for (const [labCode, actor] of ctx.labManagers) {
    const lab = (await findLabByCode(db, labCode))!.lab;
    const instrument = INSTRUMENT[lab.level];
    const sloppy = random.next() < 0.08; // a few labs run looser than the rest overall
    const targets: Record<string, unknown>[] = [];
    const series = PANEL.map(([code, m1, m2]) => {
      const analyte = tea.get(code)!;
      const allowable = analyte.allowableCvPercent ?? 5;
      const poor = POOR_CV[labCode]?.includes(code) ?? false;
      const cv = allowable * (poor ? 1.25 + 0.25 * random.next() : sloppy ? 0.65 + 0.2 * random.next() : 0.3 + 0.25 * random.next());
      const lotB = 1 + (random.next() - 0.5) * 0.06; // the next lot's values differ a little
      // the old lots expire on the day of the change; the new ones in half a year, the first item's
      // within the month (the dashboard points them out)
      const oldExpiry = dayOf(lotChange);
      const newExpiry = dayOf(today + (code === PANEL[0][0] ? 21 : 180) * DAY);
      const lots = [
        { name: `${code}1-${lab.code.slice(0, 2)}25A`, level: '1', mean: m1, expiresOn: oldExpiry },
        { name: `${code}2-${lab.code.slice(0, 2)}25A`, level: '2', mean: m2, expiresOn: oldExpiry },
        { name: `${code}1-${lab.code.slice(0, 2)}26B`, level: '1', mean: +(m1 * lotB).toPrecision(4), expiresOn: newExpiry },
        { name: `${code}2-${lab.code.slice(0, 2)}26B`, level: '2', mean: +(m2 * lotB).toPrecision(4), expiresOn: newExpiry },
      ];
      // the manufacturer's SD is the allowable CV (inserts give wide ranges)
      for (const l of lots) {
        targets.push({ analyte: code, level: l.level, lot: l.name, instrument, mean: l.mean, sd: +((l.mean * allowable) / 100).toPrecision(3), effectiveFrom: start - DAY, reason: 'manufacturer insert', expiresOn: l.expiresOn });
      }
      // events: a shift of several days, a slow trend, or nothing
      const r = random.next();
      const event = r < 0.12 ? { kind: 'shift' as const, at: random.int(20, DAYS - 10), len: random.int(3, 6), size: (random.next() < 0.5 ? -1 : 1) * (2.2 + random.next()) } : r < 0.2 ? { kind: 'trend' as const, at: random.int(20, DAYS - 15), len: 10, size: (random.next() < 0.5 ? -1 : 1) * 3 } : null;
      return { code, cv, lots, bias: (random.next() - 0.5) * 0.06, event, allowable };
    });
    const t0 = Date.now();
    await setManufacturerTargets(db, actor, { targets }, start - DAY);
    timing.targets += Date.now() - t0;

    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const t0 = Date.now();
      const out = await ingestResults(db, actor, { results: batch }, { source: 'seed', now: ctx.now, omitRuns: true });
      timing.ingest += Date.now() - t0;
      total += out.inserted;
      batch = [];
    };
    for (let d = DAYS; d >= 0; d--) {
      const dayStart = today - d * DAY;
      // primary labs do not run QC on Sundays and miss the odd day
      if (lab.level === 'primary' && (new Date(dayStart + SHANGHAI).getUTCDay() === 0 || random.next() < 0.08)) continue;
      const measuredAt = dayStart + 8 * 3_600_000 + random.int(0, 90) * 60_000;
      if (measuredAt > ctx.now) continue;
      const operator = random.pick(OPERATORS);
      const dayIndex = DAYS - d;
      for (const s of series) {
        const lot = measuredAt >= lotChange ? s.lots.slice(2) : s.lots.slice(0, 2);
        for (const l of lot) {
          const sd = (l.mean * s.allowable) / 100; // one target SD
          let z = s.bias + (s.cv / s.allowable) * random.gaussian();
          if (s.event?.kind === 'shift' && dayIndex >= s.event.at && dayIndex < s.event.at + s.event.len) z += s.event.size;
          if (s.event?.kind === 'trend' && dayIndex >= s.event.at && dayIndex < s.event.at + s.event.len) z += (s.event.size * (dayIndex - s.event.at + 1)) / s.event.len;
          if (random.next() < 0.0015) z += (random.next() < 0.5 ? -1 : 1) * 4.5;
          const outlier = RECENT_OUTLIER[labCode];
          if (outlier && outlier.analyte === s.code && d === outlier.daysAgo && l.level === '1') z = outlier.z;
          // as a LIS sends them: level 2 a few minutes after level 1 (the run window makes them one run)
          const later = measuredAt + (((dayIndex + s.code.length) % 9) + 2) * 60_000;
          const at = l.level === '1' || later > ctx.now ? measuredAt : later;
          batch.push({ analyte: s.code, level: l.level, lot: l.name, instrument, value: +(l.mean + z * sd).toPrecision(5), measuredAt: at, operator });
        }
      }
      // a LIS sends a month at a time: the sigma of the previous months then picks the rules
      if (dayIndex % 30 === 29) await flush();
    }
    await flush();

    // corrective actions: those older than a week were dealt with the next day; recent ones stay open
    const t1 = Date.now();
    for (const ca of await listCorrectiveActions(db, lab.id, { status: 'open', limit: 100_000 })) {
      if (ca.measuredAt > ctx.now - 7 * DAY) continue;
      const i = random.int(0, CAUSES.length - 1);
      await resolveCorrectiveAction(db, actor, { id: ca.id, cause: CAUSES[i], action: FIXES[i], outcome: random.pick(OUTCOMES) }, ca.measuredAt + random.int(1, 20) * 3_600_000);
      resolved++;
    }
    timing.resolve += Date.now() - t1;
  }
  ctx.log(`internal QC: ${total} results for ${ctx.labManagers.size} labs, ${resolved} corrective actions resolved (targets ${timing.targets} ms, ingest ${timing.ingest} ms, resolving ${timing.resolve} ms)`);
}

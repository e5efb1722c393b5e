// Demo data of the qualitative, ordinal and nominal items (issue 12), through the same services as
// real input: in each province a serology scheme (HBsAg, anti-HCV, anti-HIV, TP-Ab), a urine dipstick
// scheme and a blood-group scheme, each with 3 rounds evaluated against their intended results and
// published; and 100 days of qualitative IQC for every demo lab: a negative and a weak-positive
// control of each serology item (HBsAg with its S/CO signal, charted against a signal target),
// negative and 2+ controls of urine protein and glucose, D− and D+ cells for RhD, A1 and B cells for
// ABO forward typing. Designed cases: GZ-004 misses two anti-HCV positives in the last round
// (unsatisfactory), SZ-005 mistypes one ABO sample in round 2 (a 100 % event failed), HZ-003 reads
// two protein samples two grades off in round 3; GZ-001's negative HBsAg control read reactive
// 12 days ago (run rejected, corrective action resolved the same day, controls repeated in control).
// Own PRNG stream, so that adding it changed none of the other parts' draws.
import type { SeedContext } from './context';
import { createRandom } from './random';
import { findLabByCode } from '../queries/labs';
import { listCorrectiveActions } from '../queries/iqc-actions';
import { findAnalyteByCode } from '../queries/analytes';
import { createScheme, enrollLabs } from '@/lib/services/eqa/schemes';
import { createRound, openRound } from '@/lib/services/eqa/rounds';
import { rowsFromJson, submitResults } from '@/lib/services/eqa/submissions';
import { evaluateRound, publishRound } from '@/lib/services/eqa/evaluation';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setControlExpectations } from '@/lib/services/iqc/qualitative';
import { resolveCorrectiveAction } from '@/lib/services/iqc/corrective-actions';
import { gradeOf } from '@/lib/catalogue/kinds';
import { mapSeq } from '@/lib/async';

const DAY = 86_400_000;
const SHANGHAI = 8 * 3_600_000;
const IQC_DAYS = 100;

/** The qualitative items every demo lab controls daily (and the recognised lists take up). */
export const CATEGORICAL_IQC_ITEMS = ['HBSAG', 'HCV_AB', 'HIV_AB', 'TP_AB', 'U_PRO', 'U_GLU', 'RHD', 'ABO_FWD'] as const;

/** item → its two controls [level, expected category] and, for HBsAg, the S/CO of each */
const CONTROLS: Record<(typeof CATEGORICAL_IQC_ITEMS)[number], { levels: [string, string][]; signal?: [number, number] }> = {
  HBSAG: { levels: [['NEG', 'negative'], ['WPOS', 'positive']], signal: [0.35, 2.8] },
  HCV_AB: { levels: [['NEG', 'negative'], ['WPOS', 'positive']] },
  HIV_AB: { levels: [['NEG', 'negative'], ['WPOS', 'positive']] },
  TP_AB: { levels: [['NEG', 'negative'], ['WPOS', 'positive']] },
  U_PRO: { levels: [['L1', 'negative'], ['L2', '2+']] },
  U_GLU: { levels: [['L1', 'negative'], ['L2', '2+']] },
  RHD: { levels: [['D-', 'negative'], ['D+', 'positive']] },
  ABO_FWD: { levels: [['A1', 'A'], ['B', 'B']] },
};
/** the weak-positive HBsAg control's S/CO target: mean and SD (manufacturer's range ± 2 SD) */
const HBS_SIGNAL_SD = 0.25;

interface SchemeSpec {
  key: string;
  name: string;
  nameEn: string;
  /** item → intended result of samples 1…5 in round 1 (later rounds rotate them) */
  intended: Record<string, string[]>;
}
const SCHEMES: SchemeSpec[] = [
  {
    key: 'SERO',
    name: '乙肝表面抗原、丙肝抗体、HIV抗体与梅毒抗体',
    nameEn: 'Serology: HBsAg, anti-HCV, anti-HIV, TP-Ab',
    intended: {
      HBSAG: ['positive', 'negative', 'positive', 'negative', 'positive'],
      HCV_AB: ['negative', 'positive', 'positive', 'negative', 'positive'],
      HIV_AB: ['negative', 'negative', 'positive', 'negative', 'positive'],
      TP_AB: ['positive', 'negative', 'negative', 'positive', 'positive'],
    },
  },
  {
    key: 'URINE',
    name: '尿液干化学',
    nameEn: 'Urine dipstick',
    intended: {
      U_PRO: ['negative', '1+', '2+', '3+', 'trace'],
      U_GLU: ['2+', 'negative', '1+', '4+', 'negative'],
      U_KET: ['negative', 'trace', '2+', 'negative', '1+'],
      U_BLD: ['1+', 'negative', '3+', '2+', 'negative'],
      U_NIT: ['negative', 'positive', 'negative', 'positive', 'negative'],
    },
  },
  {
    key: 'ABO',
    name: 'ABO与RhD血型鉴定',
    nameEn: 'ABO and RhD blood grouping',
    intended: {
      ABO_FWD: ['A', 'B', 'O', 'AB', 'O'],
      RHD: ['positive', 'positive', 'negative', 'positive', 'positive'],
    },
  },
];

/** lab × item × round index → samples (0-based) answered wrong and how (grades off, or another group) */
const MISTAKES: { lab: string; item: string; round: number; samples: number[] }[] = [
  { lab: 'GZ-004', item: 'HCV_AB', round: 2, samples: [1, 2] },
  { lab: 'SZ-005', item: 'ABO_FWD', round: 1, samples: [0] },
  { lab: 'HZ-003', item: 'U_PRO', round: 2, samples: [1, 2] },
];

const PROVINCES = [
  { prefix: 'GD', regionCode: '440000', labs: ['GZ-', 'SZ-'], who: 'gd' as const },
  { prefix: 'ZJ', regionCode: '330000', labs: ['HZ-', 'NB-'], who: 'zj' as const },
];

/**
 * The EQA part. Runs before the internal QC part of the seed: publishing a round recomputes its
 * participants' verdicts (lib/services/recognition/hooks.ts), which costs little while there is no
 * IQC yet; the recognition part recomputes every verdict at the end anyway.
 */
export async function seedCategoricalEqa(ctx: SeedContext): Promise<void> {
  const random = createRandom(20261212);
  let rounds = 0;
  let answers = 0;

  for (const p of PROVINCES) {
    const regulator = ctx.regulators[p.who];
    const labs = [...ctx.labManagers.keys()].filter((c) => p.labs.some((x) => c.startsWith(x))).sort();
    for (const s of SCHEMES) {
      const schemeCode = `${p.prefix}-${s.key}`;
      const setupAt = ctx.now - 390 * DAY;
      const items = Object.keys(s.intended);
      await createScheme(ctx.db, regulator, { code: schemeCode, name: s.name, nameEn: s.nameEn, regionCode: p.regionCode, analytes: items.map((analyte) => ({ analyte })) }, { now: setupAt });
      await enrollLabs(ctx.db, regulator, { schemeCode, all: true }, { now: setupAt });
      for (let round = 0; round < 3; round++) {
        const opensAt = ctx.now - (320 - 90 * round) * DAY;
        const closesAt = opensAt + 21 * DAY;
        const code = `${schemeCode}-2026-${round + 1}`;
        const samples = [1, 2, 3, 4, 5].map((i) => `${s.key}${round + 1}${i}`);
        // round r rotates the samples' intended results by r
        const target = (item: string, i: number) => s.intended[item][(i + round) % 5];
        const referenceValues = items.flatMap((analyte) => samples.map((sample, i) => ({ sample, analyte, category: target(analyte, i), source: '参考实验室定值' })));
        await createRound(ctx.db, regulator, { schemeCode, code, opensAt, closesAt, samples, referenceValues }, { now: opensAt - 10 * DAY });
        await openRound(ctx.db, regulator, { roundCode: code }, { now: opensAt - 9 * DAY });
        rounds++;
        for (const [li, lab] of labs.entries()) {
          const rows = (await mapSeq(items, async (analyte) => {
            const item = (await findAnalyteByCode(ctx.db, analyte))!;
            const cats = item.categories!.map((c) => c.code);
            const wrong = MISTAKES.find((m) => m.lab === lab && m.item === analyte && m.round === round)?.samples ?? [];
            return samples.map((sample, i) => {
              const t = target(analyte, i);
              const g = gradeOf(item, t);
              let answer = t;
              if (wrong.includes(i)) answer = item.kind === 'ordinal' ? cats[g >= 2 ? g - 2 : g + 2] : cats[(g + 1) % cats.length];
              // dipsticks read a grade off now and then (within the ±1 tolerance; never off a negative)
              else if (item.kind === 'ordinal' && g > 0 && random.next() < 0.12) answer = cats[Math.min(cats.length - 1, g + (random.next() < 0.5 ? -1 : 1))];
              return { sample, analyte, value: answer };
            });
          })).flat();
          await submitResults(ctx.db, ctx.labManagers.get(lab)!, { roundCode: code, rows: rowsFromJson(rows), source: 'seed' }, { now: opensAt + (1 + (li % 12)) * DAY });
          answers += rows.length;
        }
        await evaluateRound(ctx.db, regulator, { roundCode: code }, { now: closesAt + DAY });
        await publishRound(ctx.db, regulator, { roundCode: code }, { now: closesAt + 3 * DAY });
      }
    }
  }

  ctx.log(`qualitative, ordinal and nominal items: ${rounds} EQA rounds published (${answers} answers)`);
}

/** The qualitative IQC: 100 days, a negative and a positive control per item and day. */
export async function seedCategoricalIqc(ctx: SeedContext): Promise<void> {
  const random = createRandom(20261214);
  const counts = { results: 0, rejected: 0 };
  const timing = { expectations: 0, ingest: 0 };
  const today = Math.floor((ctx.now + SHANGHAI) / DAY) * DAY - SHANGHAI; // 00:00 Shanghai
  const start = today - IQC_DAYS * DAY;
  for (const [labCode, actor] of ctx.labManagers) {
    const lab = (await findLabByCode(ctx.db, labCode))!.lab;
    const instrument = lab.level === 'primary' ? '手工/半自动' : lab.level === 'secondary' ? 'Architect i2000SR' : 'Alinity i';
    const lot = (item: string, level: string) => `${item}-${level}-${labCode.slice(0, 2)}26`;
    const controls = CATEGORICAL_IQC_ITEMS.flatMap((item) =>
      CONTROLS[item].levels.map(([level, expected], i) => ({
        analyte: item,
        level,
        lot: lot(item, level),
        instrument,
        expected,
        ...(CONTROLS[item].signal && i === 1 ? { mean: CONTROLS[item].signal![1], sd: HBS_SIGNAL_SD } : {}),
        effectiveFrom: start - DAY,
        reason: 'manufacturer insert',
      })),
    );
    let t0 = Date.now();
    await setControlExpectations(ctx.db, actor, { controls }, start - DAY);
    timing.expectations += Date.now() - t0;

    const results: Record<string, unknown>[] = [];
    let rejectedAt: number | null = null;
    for (let d = IQC_DAYS - 1; d >= 1; d--) {
      const dayStart = today - d * DAY;
      // primary labs do not run QC on Sundays and miss the odd day, as for the numbers
      if (lab.level === 'primary' && (new Date(dayStart + SHANGHAI).getUTCDay() === 0 || random.next() < 0.06)) continue;
      const at = dayStart + 8.5 * 3_600_000 + random.int(0, 60) * 60_000;
      for (const item of CATEGORICAL_IQC_ITEMS) {
        const c = CONTROLS[item];
        c.levels.forEach(([level, expected], i) => {
          const row: Record<string, unknown> = { analyte: item, level, lot: lot(item, level), instrument, value: expected, measuredAt: at + i * 60_000 };
          if (c.signal) row.signal = +(i === 0 ? c.signal[0] + 0.08 * random.next() : c.signal[1] + HBS_SIGNAL_SD * 0.8 * random.gaussian()).toFixed(2);
          if (labCode === 'GZ-001' && item === 'HBSAG' && d === 12 && i === 0) {
            // carry-over from a strongly reactive sample: the negative control reads reactive
            row.value = 'positive';
            row.signal = 1.42;
            rejectedAt = at;
          }
          results.push(row);
        });
      }
      if (rejectedAt !== null && d === 12) {
        // after cleaning the probe both controls are run again and read as expected
        const again = rejectedAt + 2 * 3_600_000;
        results.push({ analyte: 'HBSAG', level: 'NEG', lot: lot('HBSAG', 'NEG'), instrument, value: 'negative', signal: 0.31, measuredAt: again });
        results.push({ analyte: 'HBSAG', level: 'WPOS', lot: lot('HBSAG', 'WPOS'), instrument, value: 'positive', signal: 2.84, measuredAt: again + 60_000 });
      }
    }
    t0 = Date.now();
    const out = await ingestResults(ctx.db, actor, { results }, { source: 'seed', now: ctx.now, omitRuns: true });
    timing.ingest += Date.now() - t0;
    counts.results += out.inserted;

    // corrective actions of these items: the designed one and any signal rule violation, resolved
    for (const ca of await listCorrectiveActions(ctx.db, lab.id, { status: 'open', limit: 100_000 })) {
      if (!(CATEGORICAL_IQC_ITEMS as readonly string[]).includes(ca.analyte)) continue;
      counts.rejected++;
      const designed = ca.measuredAt === rejectedAt;
      const input = designed
        ? { id: ca.id, cause: '强阳性样本携带污染，阴性质控呈反应性', action: '清洗加样针并执行携带污染试验，重新检测阴性和弱阳性质控', outcome: '复测在控；回顾失控期间阳性结果，复检 3 份，结果一致' }
        : { id: ca.id, cause: '弱阳性质控 S/CO 值超出控制限', action: '重新复溶质控品并复测', outcome: '复测在控，恢复报告' };
      await resolveCorrectiveAction(ctx.db, actor, input, Math.min(ctx.now, ca.measuredAt + (designed ? 3 : 20) * 3_600_000));
    }
  }
  ctx.log(`qualitative IQC: ${counts.results} control readings for ${ctx.labManagers.size} labs, ${counts.rejected} rejected runs with their corrective action resolved (expected categories ${timing.expectations} ms, ingest ${timing.ingest} ms)`);
}


// Demo EQA: the Guangdong and Zhejiang centres each run "Routine chemistry" (常规化学) for every lab
// of their province, with 4 rounds over the last year: 3 evaluated and published, the 4th open now.
// Everything goes through the EQA services as the demo regulators and lab managers would.
// Designed cases: GZ-001 (lab1) unsatisfactory for ALT in the last published round; SZ-003
// unsatisfactory for CREA in rounds 2 and 3 → unsuccessful; GZ-007 submits nothing in round 2;
// minority methods form peer groups below 8 labs (assigned value from all methods); GZ-002 corrects
// one result (version 2).
import type { SeedContext } from './context';
import { createScheme, enrollLabs } from '@/lib/services/eqa/schemes';
import { createRound, openRound } from '@/lib/services/eqa/rounds';
import { rowsFromJson, submitResults } from '@/lib/services/eqa/submissions';
import { evaluateRound, publishRound } from '@/lib/services/eqa/evaluation';
import { analyteIdsByCode } from '../queries/analytes';
import { findAnalyteById } from '../queries/analytes';
import type { Actor } from '@/lib/auth/core';
import { mapSeq } from '@/lib/async';

const DAY = 86_400_000;

/** analyte → typical value, spread of the 5 samples around it, [majority method, minority method] */
const ANALYTES: Record<string, { base: number; spread: number; methods: [string, string] }> = {
  K: { base: 4.2, spread: 1, methods: ['ISE indirect', 'ISE direct'] },
  NA: { base: 140, spread: 0.25, methods: ['ISE indirect', 'ISE direct'] },
  CL: { base: 102, spread: 0.25, methods: ['ISE indirect', 'ISE direct'] },
  CA: { base: 2.35, spread: 0.6, methods: ['Arsenazo III', 'o-CPC'] },
  GLU: { base: 6.0, spread: 1, methods: ['Hexokinase', 'Glucose oxidase'] },
  UREA: { base: 6.5, spread: 1, methods: ['Urease-GLDH', 'Urease-Berthelot'] },
  CREA: { base: 110, spread: 1, methods: ['Enzymatic', 'Jaffe'] },
  TP: { base: 65, spread: 0.4, methods: ['Biuret', 'Biuret (dry chemistry)'] },
  ALB: { base: 40, spread: 0.4, methods: ['BCG', 'BCP'] },
  CHOL: { base: 5.0, spread: 0.8, methods: ['CHOD-PAP', 'CHOD-PAP (dry chemistry)'] },
  TG: { base: 1.8, spread: 1, methods: ['GPO-PAP', 'GPO-PAP (dry chemistry)'] },
  ALT: { base: 60, spread: 1, methods: ['IFCC with P5P', 'IFCC without P5P'] },
  AST: { base: 55, spread: 1, methods: ['IFCC with P5P', 'IFCC without P5P'] },
};
const INSTRUMENTS = ['Cobas c701', 'AU5800', 'BS-2000M', 'Atellica CH'];
const SAMPLE_FACTORS = [0.75, 1.0, 1.25, 0.9, 1.4];

interface Province {
  regulator: Actor;
  regionCode: string;
  schemeCode: string;
  labPrefixes: string[];
  roundCode: (i: number) => string;
  /** failures per round index: lab × analyte with 2 of 5 samples far off */
  failures: [string, string][][];
  /** lab that submits nothing in a round: [round index, lab] */
  absent?: [number, string];
}

export async function seedEqa(ctx: SeedContext): Promise<void> {
  const provinces: Province[] = [
    {
      regulator: ctx.regulators.gd,
      regionCode: '440000',
      schemeCode: 'GD-CHEM',
      labPrefixes: ['GZ-', 'SZ-'],
      roundCode: (i) => `2026-${i + 1}`,
      failures: [
        [
          ['GZ-003', 'TG'],
          ['SZ-006', 'ALB'],
        ],
        [
          ['GZ-009', 'CHOL'],
          ['SZ-008', 'K'],
          ['SZ-003', 'CREA'],
        ],
        [
          ['GZ-001', 'ALT'],
          ['GZ-005', 'GLU'],
          ['SZ-002', 'TP'],
          ['SZ-003', 'CREA'],
        ],
        [],
      ],
      absent: [1, 'GZ-007'],
    },
    {
      regulator: ctx.regulators.zj,
      regionCode: '330000',
      schemeCode: 'ZJ-CHEM',
      labPrefixes: ['HZ-', 'NB-'],
      roundCode: (i) => `ZJ-2026-${i + 1}`,
      failures: [[['HZ-004', 'NA']], [['NB-002', 'UREA'], ['HZ-007', 'ALT']], [['NB-006', 'CL']], []],
    },
  ];
  const ids = await analyteIdsByCode(ctx.db);
  const tea = new Map(
    (await mapSeq(Object.keys(ANALYTES), async (code) => {
      const a = (await findAnalyteById(ctx.db, ids.get(code)!))!;
      return [code, (a.teaPercent ?? 10) / 100];
    })),
  );
  const r = ctx.random;

  for (const p of provinces) {
    const setupAt = ctx.now - 400 * DAY;
    await createScheme(
      ctx.db,
      p.regulator,
      { code: p.schemeCode, name: '常规化学', nameEn: 'Routine chemistry', regionCode: p.regionCode, analytes: Object.keys(ANALYTES).map((analyte) => ({ analyte })) },
      { now: setupAt },
    );
    await enrollLabs(ctx.db, p.regulator, { schemeCode: p.schemeCode, all: true }, { now: setupAt });
    const labs = [...ctx.labManagers.keys()].filter((c) => p.labPrefixes.some((x) => c.startsWith(x))).sort();
    // each lab's method (every third lab uses the minority method → groups below 8), instrument and small bias
    const profile = new Map(
      labs.map((lab, i) => [
        lab,
        {
          minority: i % 3 === 2,
          instrument: INSTRUMENTS[i % INSTRUMENTS.length],
          bias: new Map(Object.keys(ANALYTES).map((a) => [a, r.gaussian() * 0.1 * tea.get(a)!])),
        },
      ]),
    );

    for (let round = 0; round < 4; round++) {
      const open = round === 3;
      const opensAt = open ? ctx.now - 7 * DAY : ctx.now - (330 - 90 * round) * DAY;
      const closesAt = open ? ctx.now + 14 * DAY : opensAt + 21 * DAY;
      const code = p.roundCode(round);
      const samples = SAMPLE_FACTORS.map((_, s) => `2026${round + 1}${s + 1}`);
      await createRound(ctx.db, p.regulator, { schemeCode: p.schemeCode, code, opensAt, closesAt, samples }, { now: opensAt - 10 * DAY });
      await openRound(ctx.db, p.regulator, { roundCode: code }, { now: opensAt - 9 * DAY });
      const truth = new Map(
        Object.entries(ANALYTES).map(([a, spec]) => [a, SAMPLE_FACTORS.map((f) => spec.base * (1 + (f - 1) * spec.spread) * (1 + 0.05 * (r.next() - 0.5)))]),
      );
      const failing = new Set(p.failures[round].map(([l, a]) => `${l}:${a}`));

      for (const [li, lab] of labs.entries()) {
        if (p.absent && p.absent[0] === round && p.absent[1] === lab) continue;
        // the open round: about two thirds have submitted so far (on its first six days: none after
        // today); the demo accounts have not
        if (open && (lab === 'GZ-001' || lab === 'HZ-001' || li % 3 === 1)) continue;
        const prof = profile.get(lab)!;
        const rows = Object.entries(ANALYTES).flatMap(([a, spec]) => {
          const t = tea.get(a)!;
          const methodBias = prof.minority ? 0.2 * t : 0;
          return truth.get(a)!.map((x, s) => {
            let v = x * (1 + methodBias + prof.bias.get(a)! + r.gaussian() * 0.12 * t);
            if (failing.has(`${lab}:${a}`) && (s === 1 || s === 3)) v *= 1 + (s === 1 ? 1.6 : -1.6) * t;
            return { sample: samples[s], analyte: a, value: Number(v.toPrecision(4)), method: spec.methods[prof.minority ? 1 : 0], instrument: prof.instrument };
          });
        });
        await submitResults(ctx.db, ctx.labManagers.get(lab)!, { roundCode: code, rows: rowsFromJson(rows), source: 'seed' }, { now: opensAt + (1 + (li % (open ? 6 : 10))) * DAY });
      }
      if (round === 2 && labs.includes('GZ-002')) {
        // a correction before the deadline: version 2 of one result
        const k = truth.get('K')![0];
        await submitResults(
          ctx.db,
          ctx.labManagers.get('GZ-002')!,
          { roundCode: code, rows: rowsFromJson([{ sample: samples[0], analyte: 'K', value: Number(k.toPrecision(3)), method: 'ISE indirect', instrument: profile.get('GZ-002')!.instrument }]), source: 'seed' },
          { now: opensAt + 12 * DAY },
        );
      }
      if (!open) {
        await evaluateRound(ctx.db, p.regulator, { roundCode: code }, { now: closesAt + DAY });
        await publishRound(ctx.db, p.regulator, { roundCode: code }, { now: closesAt + 3 * DAY });
      }
    }
  }
}

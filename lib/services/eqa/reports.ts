// Reading graded EQA results: the results API, the lab's round report (table, histogram, Youden
// plot, z across rounds) and the regulator's round report and CSV export. A lab manager reads only
// their own lab and only published rounds; a regulator reads the labs of their jurisdiction.
import type { Conn } from '@/db/client';
import { countParticipantLabs, currentEvaluation, evaluationsOfRound, roundSamples, submittedLabCounts } from '@/db/queries/eqa';
import {
  analyteParticipation,
  assignedValuesPage,
  evaluationCategoryTargets,
  failedScoresPage,
  evaluationResults,
  notEvaluatedSamples,
  scopedVerdictChanges,
  evaluationScores,
  labScoreHistory,
  labZHistory,
  samplePairs,
  sampleValues,
  zBins,
  type AssignedSort,
  type FailedSort,
} from '@/db/queries/eqa-reports';
import type { PageRequest } from '@/db/queries/paging';
import { findLabByCode, findLabByCodeAnyCase } from '@/db/queries/labs';
import { can, scopeOf, type Actor, type DataScope } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { categoricalSample, itemShapesOfRound, roundConcordance } from './reports-categorical';
import { assertLabReadable, assertRoundVisible, effectiveStatus, loadRound, type ClockOptions, type LoadedRound, roundAnalytes, roundState, shownStatus } from './access';
import { mapSeq } from '@/lib/async';

/** A graded result's verdict: the allowable-limit decision, or not evaluated. */
export type ResultVerdict = 'acceptable' | 'not_acceptable' | 'not_evaluated';

export function resultVerdict(acceptable: boolean | null): ResultVerdict {
  return acceptable === null ? 'not_evaluated' : acceptable ? 'acceptable' : 'not_acceptable';
}

/**
 * The z (or z′) score's signal in ISO 13528:2022 9.4.1 terms: none (|z| ≤ 2), warning (2 < |z| < 3),
 * action (|z| ≥ 3). A signal beside the verdict, never a second verdict: the words "satisfactory"
 * and "unsatisfactory" are kept for the analyte's round score, so a result is never shown
 * "satisfactory" and "not acceptable" at once.
 */
export function zSignal(classification: string | null): 'none' | 'warning' | 'action' | null {
  if (classification === 'satisfactory') return 'none';
  if (classification === 'questionable') return 'warning';
  if (classification === 'unsatisfactory') return 'action';
  return null;
}

/** Why a result was not evaluated, in English (the API's `reason`; pages translate the code). */
export function reasonText(reason: string | null, n: number | null, minGroupSize: number): string | null {
  if (reason === 'too_few_results') {
    return `Not evaluated: ${n ?? 0} result(s) from all methods, fewer than the scheme's minimum group size of ${minGroupSize}, and no reference value`;
  }
  if (reason === 'no_limit') return 'Not evaluated: no allowable limit applies at the assigned value';
  return reason;
}

interface Resolved {
  r: LoadedRound;
  evaluation: NonNullable<Awaited<ReturnType<typeof currentEvaluation>>>;
  filter: DataScope;
  lab: { id: number; code: string; name: string } | null;
}

/**
 * Which evaluation and which labs the actor may read for a round: a lab manager their own lab of a
 * published round (409 before), a regulator/admin any lab of their jurisdiction (or all of them when
 * `labCode` is omitted) once evaluated.
 */
export async function resolve(db: Conn, actor: Actor, roundCode: string, labCode?: string | null): Promise<Resolved> {
  const r = await loadRound(db, roundCode);
  await assertRoundVisible(db, actor, r);
  if (!can(actor, 'eqaResult.read')) throw new AppError('auth.forbidden');
  const scope = scopeOf(actor);
  let lab: Resolved['lab'] = null;
  if (labCode) {
    const l = await findLabByCodeAnyCase(db, labCode);
    if (!l) throw new AppError('lab.notFound', { lab: labCode });
    await assertLabReadable(db, actor, l.lab.id);
    lab = { id: l.lab.id, code: l.lab.code, name: l.lab.name };
  } else if (scope.kind === 'lab') {
    const l = await findLabByCode(db, actor.labCode ?? '');
    if (!l) throw new AppError('auth.forbidden');
    lab = { id: l.lab.id, code: l.lab.code, name: l.lab.name };
  }
  const evaluation = await currentEvaluation(db, r.round.id);
  if (!can(actor, 'eqaResult.readUnpublished')) {
    if (r.round.status !== 'published' || evaluation?.status !== 'published') throw new AppError('round.resultsNotPublished', { round: roundCode });
  }
  if (!evaluation) throw new AppError('round.notEvaluated', { round: roundCode });
  const filter: DataScope = lab ? { kind: 'lab', labId: lab.id } : scope;
  return { r, evaluation, filter, lab };
}

/** `GET /api/v1/eqa/rounds/{code}/results?lab=` in the shape of the API contract. */
export async function getRoundResults(db: Conn, actor: Actor, input: { roundCode: string; labCode?: string | null }) {
  const { r, evaluation, filter, lab } = await resolve(db, actor, input.roundCode, input.labCode);
  const withLab = !lab;
  const min = r.scheme.minPeerGroupSize;
  const results = (await evaluationResults(db, evaluation.id, filter)).map((x) => ({
    ...(withLab ? { lab: x.lab } : {}),
    sample: x.sample,
    analyte: x.analyte,
    value: x.value,
    method: x.method,
    instrument: x.instrument,
    assignedValue: x.assignedValue,
    sigmaPt: x.sigmaPt,
    z: x.z,
    scoreType: x.scoreType,
    percentDeviation: x.percentDeviation,
    allowed: x.allowed,
    acceptable: x.acceptable,
    verdict: resultVerdict(x.acceptable),
    reason: reasonText(x.reason, x.reasonN, min),
    zSignal: zSignal(x.classification),
    peerGroup: x.peerGroup,
    source: x.source,
    n: x.n,
    uNegligible: x.uNegligible,
  }));
  const analytes = (await evaluationScores(db, evaluation.id, filter)).map((s) => ({
    ...(withLab ? { lab: s.lab } : {}),
    analyte: s.analyte,
    score: s.score,
    samples: s.samples,
    notEvaluated: s.notEvaluated,
    verdict: s.notSubmitted ? ('not_submitted' as const) : s.verdict,
    notSubmitted: s.notSubmitted,
    unsuccessful: s.unsuccessful,
  }));
  return { round: input.roundCode, evaluation: { version: evaluation.version, status: evaluation.status, algorithmVersion: evaluation.algorithmVersion }, results, analytes };
}

/** The lab's round report: per analyte its samples with assigned value, limits, z and verdicts. */
export async function labRoundReport(db: Conn, actor: Actor, input: { roundCode: string; labCode?: string | null }) {
  const { r, evaluation, lab } = await resolve(db, actor, input.roundCode, input.labCode);
  if (!lab) throw new AppError('lab.choose', {}, [fieldError('lab.required', {}, 'lab')]);
  const samples = await roundSamples(db, r.round.id);
  const results = await evaluationResults(db, evaluation.id, { kind: 'lab', labId: lab.id });
  const scoreRows = await evaluationScores(db, evaluation.id, { kind: 'lab', labId: lab.id });
  // every participant is scored (one that sent nothing as not submitted): a lab with neither results
  // nor scores did not take part, and has no report of this round to read
  if (!results.length && !scoreRows.length) throw new AppError('eqa.labNotInRound', { lab: lab.code, round: r.round.code });
  const scores = new Map(scoreRows.map((s) => [s.analyte, s]));
  // qualitative, ordinal and nominal items: their kind, categories and per-sample targets
  const shapes = await itemShapesOfRound(db, r);
  const targets = await evaluationCategoryTargets(db, evaluation.id);
  const analytes = (await roundAnalytes(db, r)).map((a) => {
    const s = scores.get(a.code);
    const shape = shapes.get(a.code);
    return {
      code: a.code,
      nameEn: a.nameEn,
      nameZh: a.nameZh,
      unit: a.unit,
      kind: shape?.kind ?? ('quantitative' as const),
      categories: shape?.categories ?? null,
      // no score row: nothing of this analyte could be evaluated for the lab (it does not count)
      score: s?.score ?? null,
      verdict: s ? s.verdict : ('not_evaluated' as const),
      notSubmitted: s?.notSubmitted ?? !results.some((y) => y.analyte === a.code),
      unsuccessful: s?.unsuccessful ?? false,
      notEvaluated: s?.notEvaluated ?? samples.length,
      samples: samples.map((smp) => {
        const x = results.find((y) => y.analyte === a.code && y.sample === smp.code);
        return {
          sample: smp.code,
          value: x?.value ?? null,
          method: x?.method ?? null,
          instrument: x?.instrument ?? null,
          assignedValue: x?.assignedValue ?? null,
          allowed: x?.allowed ?? null,
          lower: x && x.allowed !== null && x.assignedValue !== null ? x.assignedValue - x.allowed : null,
          upper: x && x.allowed !== null && x.assignedValue !== null ? x.assignedValue + x.allowed : null,
          deviation: x?.deviation ?? null,
          percentDeviation: x?.percentDeviation ?? null,
          z: x?.z ?? null,
          scoreType: x?.scoreType ?? null,
          zSignal: zSignal(x?.classification ?? null),
          // a missing result of an evaluable sample is not acceptable; of an unevaluable one, not evaluated
          acceptable: x ? x.acceptable : s && s.samples + (s.notEvaluated ?? 0) > 0 ? false : null,
          verdict: x ? resultVerdict(x.acceptable) : ('missing' as const),
          reason: x?.reason ?? null,
          reasonN: x?.reasonN ?? null,
          uNegligible: x?.uNegligible ?? null,
          peerGroup: x?.peerGroup ?? null,
          source: x?.source ?? null,
          n: x?.n ?? null,
          ...categoricalSample(x, targets.find((t) => t.sampleId === smp.id && t.analyteId === a.analyteId), shape, r.scheme),
        };
      }),
    };
  });
  return {
    round: { code: r.round.code, status: r.round.status, opensAt: r.round.opensAt, closesAt: r.round.closesAt, publishedAt: r.round.publishedAt },
    scheme: { code: r.scheme.code, name: r.scheme.name, nameEn: r.scheme.nameEn, minRoundScore: r.scheme.minRoundScore, minPeerGroupSize: r.scheme.minPeerGroupSize, consensusPercent: r.scheme.consensusPercent,
      ordinalTolerance: r.scheme.ordinalTolerance, negativeMustBeNegative: r.scheme.negativeMustBeNegative,
      passPercent: { qualitative: r.scheme.passPercentQualitative, ordinal: r.scheme.passPercentOrdinal, nominal: r.scheme.passPercentNominal } },
    lab,
    evaluation: { version: evaluation.version, status: evaluation.status, algorithmVersion: evaluation.algorithmVersion, finishedAt: evaluation.finishedAt },
    samples: samples.map((s) => s.code),
    analytes,
  };
}

/** All participants' values for one sample × analyte (no identities) with the lab's value and limits. */
export async function sampleHistogram(db: Conn, actor: Actor, input: { roundCode: string; labCode?: string | null; sample: string; analyte: string }) {
  const { r, evaluation, lab } = await resolve(db, actor, input.roundCode, input.labCode);
  const sample = (await roundSamples(db, r.round.id)).find((s) => s.code === input.sample);
  const analyte = (await roundAnalytes(db, r)).find((a) => a.code === input.analyte);
  if (!sample || !analyte) throw new AppError('eqa.sampleNotFound');
  const values = await sampleValues(db, evaluation.id, sample.id, analyte.analyteId);
  const own = lab ? (await evaluationResults(db, evaluation.id, { kind: 'lab', labId: lab.id })).find((x) => x.sample === sample.code && x.analyte === analyte.code) : undefined;
  return {
    sample: sample.code,
    analyte: analyte.code,
    unit: analyte.unit,
    values,
    labValue: own?.value ?? null,
    assignedValue: own?.assignedValue ?? null,
    lower: own && own.allowed !== null && own.assignedValue !== null ? own.assignedValue - own.allowed : null,
    upper: own && own.allowed !== null && own.assignedValue !== null ? own.assignedValue + own.allowed : null,
  };
}

/** Youden plot of two samples of an analyte: every lab's pair (anonymous) and the lab's own pair. */
export async function youdenPlot(db: Conn, actor: Actor, input: { roundCode: string; labCode?: string | null; analyte: string; sampleA: string; sampleB: string }) {
  const { r, evaluation, lab } = await resolve(db, actor, input.roundCode, input.labCode);
  const samples = await roundSamples(db, r.round.id);
  const a = samples.find((s) => s.code === input.sampleA);
  const b = samples.find((s) => s.code === input.sampleB);
  const analyte = (await roundAnalytes(db, r)).find((x) => x.code === input.analyte);
  if (!a || !b || !analyte) throw new AppError('eqa.sampleNotFound');
  const pairs = await samplePairs(db, evaluation.id, analyte.analyteId, a.id, b.id);
  const own = lab ? pairs.find((p) => p.labId === lab.id) : undefined;
  return {
    analyte: analyte.code,
    unit: analyte.unit,
    sampleA: a.code,
    sampleB: b.code,
    points: pairs.filter((p) => p !== own).map((p) => ({ x: p.x, y: p.y })),
    own: own ? { x: own.x, y: own.y } : null,
  };
}

/** The lab's z scores and verdicts across the scheme's rounds (published ones for a lab manager). */
export async function labHistory(db: Conn, actor: Actor, input: { roundCode: string; labCode?: string | null }) {
  const r = await loadRound(db, input.roundCode);
  await assertRoundVisible(db, actor, r);
  const labCode = input.labCode ?? actor.labCode;
  // a code in any case, as the round's other reads take it (gz-005 is GZ-005)
  const l = labCode ? await findLabByCodeAnyCase(db, labCode) : undefined;
  if (!l) throw new AppError('lab.noSuch');
  await assertLabReadable(db, actor, l.lab.id);
  const publishedOnly = !can(actor, 'eqaResult.readUnpublished');
  return { z: await labZHistory(db, l.lab.id, r.scheme.id, { publishedOnly }), scores: await labScoreHistory(db, l.lab.id, r.scheme.id, { publishedOnly }) };
}

const firstPage = <S extends string>(sort: S): PageRequest<S> => ({ page: 1, size: 50, sort, dir: 'asc', q: '' });

/** The regulator's view of a round: participation, pass rates, z distribution, failed labs, evaluations.
 * Everything whose size grows with the labs is counted in SQL or read one page at a time (`failed`,
 * `assigned`: the pages asked for, the first by default). */
export async function regulatorRoundReport(
  db: Conn,
  actor: Actor,
  input: { roundCode: string; failed?: PageRequest<FailedSort>; assigned?: PageRequest<AssignedSort> },
  opts: ClockOptions = {},
) {
  const now = opts.now ?? Date.now();
  const r = await loadRound(db, input.roundCode);
  if (!can(actor, 'eqaRound.report')) throw new AppError('auth.forbidden');
  await assertRoundVisible(db, actor, r);
  const scope = scopeOf(actor);
  const participants = await countParticipantLabs(db, r.scheme.id, r.round.opensAt, r.round.closesAt, scope);
  const analytes = await roundAnalytes(db, r);
  const evaluations = await evaluationsOfRound(db, r.round.id);
  const evaluation = await currentEvaluation(db, r.round.id);
  const base = {
    round: {
      code: r.round.code,
      status: effectiveStatus(r.round, now),
      /** the status the round's page shows (shownStatus) */
      shownStatus: shownStatus(r.round, now),
      storedStatus: r.round.status,
      opensAt: r.round.opensAt,
      closesAt: r.round.closesAt,
      publishedAt: r.round.publishedAt,
      /** what the round's state allows now (whether this reader may do it: canManage) */
      allowedOperations: roundState(r.round, now).allowedOperations,
    },
    scheme: r.scheme,
    canManage: can(actor, 'eqaRound.evaluate', { regionPath: r.regionPath }),
    samples: (await roundSamples(db, r.round.id)).map((s) => s.code),
    analytes: analytes.map((a) => ({ code: a.code, unit: a.unit })),
    participants,
    evaluations: (await mapSeq(evaluations, async (e) => ({
      id: e.id,
      version: e.version,
      status: e.status,
      progress: e.progress,
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
      inputDigest: e.inputDigest,
      algorithmVersion: e.algorithmVersion,
      diff: await scopedDiff(db, e.diff as EvaluationDiff | null, e.id, evaluations, scope),
    }))),
  };
  if (!evaluation) {
    const submitted = new Map((await submittedLabCounts(db, r.round.id, scope)).map((x) => [x.analyteId, x.labs]));
    return { ...base, evaluated: false as const, participation: analytes.map((a) => ({ analyte: a.code, submitted: submitted.get(a.analyteId) ?? 0, participants })) };
  }
  const counts = new Map((await analyteParticipation(db, evaluation.id, scope)).map((c) => [c.analyteId, c]));
  const perAnalyte = analytes.map((a) => {
    const { participants = 0, submitted = 0, passed = 0 } = counts.get(a.analyteId) ?? {};
    return { analyte: a.code, participants, submitted, passed, passRate: participants ? (100 * passed) / participants : null };
  });
  return {
    ...base,
    evaluated: true as const,
    evaluation: { version: evaluation.version, status: evaluation.status },
    participation: perAnalyte,
    zDistribution: await zBins(db, evaluation.id, scope),
    notEvaluated: (await notEvaluatedSamples(db, evaluation.id, scope)).map((x) => ({ ...x, text: reasonText(x.reason, x.n, r.scheme.minPeerGroupSize) })),
    failed: await failedScoresPage(db, evaluation.id, scope, input.failed ?? firstPage('lab')),
    assignedValues: await assignedValuesPage(db, evaluation.id, input.assigned ?? firstPage('analyte')),
    /** qualitative, ordinal and nominal items: concordance rate per item and samples not evaluated */
    concordance: await roundConcordance(db, r, evaluation.id, scope),
  };
}

/**
 * An evaluation's stored diff as a regulator may read it: the verdict changes are recomputed from
 * the scores of the two evaluations, within the reader's region subtree, so a city regulator never
 * sees other cities' labs (issue 10). Assigned values are per sample and carry no lab.
 */
async function scopedDiff(db: Conn, diff: EvaluationDiff | null, evaluationId: number, all: { id: number; version: number }[], scope: DataScope): Promise<EvaluationDiff | null> {
  if (!diff || scope.kind === 'all' || !diff.verdicts || diff.previousVersion == null) return diff;
  // no verdict changed for any lab: none changed for the reader's (the count reads every score twice)
  if (diff.verdicts.changed === 0) return diff;
  const previous = all.find((e) => e.version === diff.previousVersion);
  if (!previous) return { ...diff, verdicts: { changed: 0, items: [] } };
  return { ...diff, verdicts: await scopedVerdictChanges(db, previous.id, evaluationId, scope, 200) };
}

export interface EvaluationDiff {
  previousVersion: number | null;
  inputsChanged: boolean | null;
  assignedValues: { changed: number; items: { sample: string; analyte: string; peerGroup: string; before: { assignedValue: number } | null; after: { assignedValue: number } | null }[] } | null;
  verdicts: { changed: number; items: { lab: string; analyte: string; before: { verdict: string; score: number } | null; after: { verdict: string; score: number } | null }[] } | null;
  notes?: string[];
  notesTotal?: number;
  error?: string;
}

export { ROUND_CSV_COLUMNS, roundCsv } from './reports-csv';
export { ASSIGNED_SORTS, FAILED_SORTS, type AssignedSort, type FailedSort } from '@/db/queries/eqa-reports';

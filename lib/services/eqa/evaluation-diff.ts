// What an evaluation is compared by: the digest of its inputs (same inputs → same digest) and the
// diff against the previous complete evaluation (assigned values and verdicts that changed).
import { createHash } from 'node:crypto';
import type { DB } from '@/db/client';
import { assignedValuesOf, categoryTargetsOf, iterateScoresOf, latestCompleteEvaluation } from '@/db/queries/eqa-evaluation';
import { roundForDecision } from '@/lib/stats';
import { historyKey, type EngineOutput, type SubmissionColumns } from './engine';

/** Items listed in a diff (counts are always complete). */
export const DIFF_ITEMS = 200;

/**
 * The digest of an evaluation's inputs: the same inputs give the same digest whatever order the
 * database read them in (PostgreSQL reads a table in its physical order, which a vacuum changes, and
 * SQLite through an index): the reference values sorted, the submissions as a set, each row (id,
 * value, peer group) mixed into 32-bit hashes that are summed and xor-ed, two independent ones.
 */
export function digestOf(params: unknown, cols: SubmissionColumns, refs: readonly { sampleId: number; analyteId: number }[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(params));
  h.update(JSON.stringify([...refs].sort((a, b) => a.sampleId - b.sampleId || a.analyteId - b.analyteId)));
  const groupHash = cols.groupKeys.map((k) => fnv1a(k));
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let sum1 = 0, sum2 = 0, xor1 = 0, xor2 = 0;
  for (let i = 0; i < cols.n; i++) {
    bits[0] = cols.id[i];
    const id0 = words[0], id1 = words[1];
    bits[0] = cols.value[i];
    const v0 = words[0], v1 = words[1];
    const g = groupHash[cols.group[i]];
    const m1 = mix(id0, id1, v0, v1, g, 0x9e3779b9);
    const m2 = mix(id0, id1, v0, v1, g, 0x85ebca6b);
    sum1 = (sum1 + m1) >>> 0;
    sum2 = (sum2 + m2) >>> 0;
    xor1 = (xor1 ^ m1) >>> 0;
    xor2 = (xor2 ^ m2) >>> 0;
  }
  h.update(`${cols.n}:${sum1}:${sum2}:${xor1}:${xor2}`);
  return h.digest('hex');
}

/** MurmurHash3 (32-bit) of five words from a seed, unrolled: it runs twice per submission. */
function mix(a: number, b: number, c: number, d: number, e: number, seed: number): number {
  let h = step(step(step(step(step(seed, a), b), c), d), e);
  h ^= 20;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function step(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** FNV-1a of a text's UTF-16 units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function countNotEvaluated(out: EngineOutput): number {
  let n = 0;
  for (let i = 0; i < out.results.status.length; i++) if (out.results.status[i] === 1) n++;
  return n;
}

interface CodeMaps {
  labCodes: Map<number, string>;
  sampleCodes: Map<number, string>;
  analyteCodes: Map<number, string>;
}

/** What changed since the previous evaluation: assigned values (and σpt, source, n) and verdicts. */
export async function diffAgainst(db: DB, previous: Awaited<ReturnType<typeof latestCompleteEvaluation>>, out: EngineOutput, m: CodeMaps) {
  if (!previous) return { previousVersion: null, assignedValues: null, verdicts: null };
  const key = (a: { sampleId: number; analyteId: number; peerGroup: string }) => `${a.sampleId}:${a.analyteId}:${a.peerGroup}`;
  const before = new Map((await assignedValuesOf(db, previous.id)).map((a) => [key(a), a]));
  const avItems: unknown[] = [];
  let avChanged = 0;
  const same = (x: number | null, y: number | null) => (x === null || y === null ? x === y : roundForDecision(x) === roundForDecision(y));
  for (const a of out.assigned) {
    const b = before.get(key(a));
    before.delete(key(a));
    if (b && same(b.assignedValue, a.assignedValue) && same(b.sigmaPt, a.sigmaPt) && b.source === a.source && b.n === a.n) continue;
    avChanged++;
    if (avItems.length < DIFF_ITEMS) {
      avItems.push({
        sample: m.sampleCodes.get(a.sampleId),
        analyte: m.analyteCodes.get(a.analyteId),
        peerGroup: a.peerGroup,
        before: b ? { assignedValue: b.assignedValue, sigmaPt: b.sigmaPt, source: b.source, n: b.n } : null,
        after: { assignedValue: a.assignedValue, sigmaPt: a.sigmaPt, source: a.source, n: a.n },
      });
    }
  }
  for (const b of before.values()) {
    avChanged++;
    if (avItems.length < DIFF_ITEMS) {
      avItems.push({ sample: m.sampleCodes.get(b.sampleId), analyte: m.analyteCodes.get(b.analyteId), peerGroup: b.peerGroup, before: { assignedValue: b.assignedValue, sigmaPt: b.sigmaPt, source: b.source, n: b.n }, after: null });
    }
  }
  const prevScores = new Map<number, [string, number]>();
  for (const [labId, analyteId, verdict, score] of await iterateScoresOf(db, previous.id)) prevScores.set(historyKey(labId, analyteId), [verdict, score]);
  const vItems: unknown[] = [];
  let vChanged = 0;
  for (const s of out.scores) {
    const p = prevScores.get(historyKey(s.labId, s.analyteId));
    prevScores.delete(historyKey(s.labId, s.analyteId));
    if (p && p[0] === s.verdict && roundForDecision(p[1]) === roundForDecision(s.score)) continue;
    vChanged++;
    if (vItems.length < DIFF_ITEMS) {
      vItems.push({
        lab: m.labCodes.get(s.labId) ?? `#${s.labId}`,
        analyte: m.analyteCodes.get(s.analyteId),
        before: p ? { verdict: p[0], score: p[1] } : null,
        after: { verdict: s.verdict, score: s.score },
      });
    }
  }
  // scores that are gone: nothing of the analyte could be evaluated for the lab any more
  for (const [k, p] of prevScores) {
    vChanged++;
    if (vItems.length < DIFF_ITEMS) {
      const labId = Math.floor(k / 100_000);
      vItems.push({ lab: m.labCodes.get(labId) ?? `#${labId}`, analyte: m.analyteCodes.get(k % 100_000), before: { verdict: p[0], score: p[1] }, after: null });
    }
  }
  return {
    previousVersion: previous.version,
    assignedValues: { changed: avChanged, items: avItems },
    verdicts: { changed: vChanged, items: vItems },
    ...await categoryTargetDiff(db, previous.id, out, m),
  };
}

/** Targets of categorical items that changed (category, basis, answers counted or agreeing); nothing for rounds without them. */
async function categoryTargetDiff(db: DB, previousId: number, out: EngineOutput, m: CodeMaps) {
  const before = new Map((await categoryTargetsOf(db, previousId)).map((t) => [`${t.sampleId}:${t.analyteId}`, t]));
  if (!before.size && !out.categoryTargets.length) return {};
  const view = (t: { targetCategory: string | null; basis: string | null; n: number; agreeing: number; reason: string | null }) => ({ target: t.targetCategory, basis: t.basis, n: t.n, agreeing: t.agreeing, reason: t.reason });
  const items: unknown[] = [];
  let changed = 0;
  const note = (sampleId: number, analyteId: number, b: ReturnType<typeof view> | null, a: ReturnType<typeof view> | null) => {
    changed++;
    if (items.length < DIFF_ITEMS) items.push({ sample: m.sampleCodes.get(sampleId), analyte: m.analyteCodes.get(analyteId), before: b, after: a });
  };
  for (const t of out.categoryTargets) {
    const k = `${t.sampleId}:${t.analyteId}`;
    const b = before.get(k);
    before.delete(k);
    if (b && JSON.stringify(view(b)) === JSON.stringify(view(t))) continue;
    note(t.sampleId, t.analyteId, b ? view(b) : null, view(t));
  }
  for (const b of before.values()) note(b.sampleId, b.analyteId, view(b), null);
  return { categoryTargets: { changed, items } };
}

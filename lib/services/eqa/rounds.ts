// EQA rounds: creation with samples and reference values, opening, closing, listing (regulator and lab).
import type { DB, Conn } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import {
  findRoundByCode,
  findSchemeByCode,
  insertReferenceValues,
  insertRound,
  insertSamples,
  listVisibleRounds,
  schemeAnalytes,
  setRoundStatus,
} from '@/db/queries/eqa';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, type FieldError, fieldError } from '@/lib/errors';
import { roundInput } from '@/lib/validation/eqa';
import { zodFieldErrors } from '@/lib/validation/errors';
import { DEFAULT_COVERAGE_FACTOR, standardUncertainty } from '@/lib/stats';
import { isCategorical, readItemValue } from '@/lib/catalogue/kinds';
import { acceptsSubmissions, assertManagesScheme, effectiveStatus, loadRound, roundVisibility, type ClockOptions } from './access';
import { withTx } from '@/db/tx';

/**
 * Create a round of a scheme with its samples and optional reference values: a draft to open later
 * (the regulator's form), or with `open: true` scheduled at once (the API: it takes submissions from
 * its opening to its closing time).
 */
export async function createRound(db: DB, actor: Actor, input: unknown, opts: ClockOptions & { open?: boolean } = {}) {
  if (!can(actor, 'eqaScheme.manage')) throw new AppError('auth.forbidden');
  const parsed = roundInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid round', zodFieldErrors(parsed.error));
  const r = parsed.data;
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const found = await findSchemeByCode(tx, r.schemeCode);
    if (!found) throw new AppError('scheme.notFound', { scheme: r.schemeCode });
    assertManagesScheme(actor, found.regionPath);
    if (await findRoundByCode(tx, r.code)) throw new AppError('round.exists', { code: r.code });
    // a window already over: nobody could submit, and its evaluation would score every participant 0
    if (r.closesAt <= now) throw closesInPast(r.closesAt);
    const schemeItems = await schemeAnalytes(tx, found.scheme.id);
    const schemeIds = new Map(schemeItems.map((a) => [a.code, a.analyteId]));
    const shapes = new Map(schemeItems.map((a) => [a.code, a]));
    const errors: FieldError[] = [];
    const roundAnalytes = r.analytes ? [...new Set(r.analytes.map((a) => a.toUpperCase()))] : null;
    roundAnalytes?.forEach((a) => {
      if (!schemeIds.has(a)) errors.push(fieldError('round.analyteNotInScheme', { analyte: a, scheme: r.schemeCode }, 'analytes'));
    });
    const analyteIds = roundAnalytes ? new Map([...schemeIds].filter(([c]) => roundAnalytes.includes(c))) : schemeIds;
    const seen = new Set<string>();
    /** per row: the reference value, or the intended category's grade and canonical code */
    const intended = new Map<number, { value: number; category: string | null }>();
    r.referenceValues.forEach((v, i) => {
      const item = analyteIds.has(v.analyte.toUpperCase()) ? shapes.get(v.analyte.toUpperCase()) : undefined;
      if (item && v.value === undefined && v.category === undefined && v.result !== undefined && String(v.result).trim() !== '') {
        // a form's one field: a number or a category code, whichever the item takes
        const read = readItemValue(item, v.result);
        if (!read.ok) errors.push(fieldError(read.reason, read.params, 'value', i + 1));
        else intended.set(i, read.value.kind === 'number' ? { value: read.value.value, category: null } : { value: read.value.grade, category: read.value.category });
      } else if (item) {
        const codes = (item.categories ?? []).map((c) => c.code).join(', ');
        if (!isCategorical(item.kind)) {
          if (v.category !== undefined) errors.push(fieldError('round.referenceNeedsValue', { analyte: item.code }, 'category', i + 1));
          else if (v.value === undefined) errors.push(fieldError('value.required', {}, 'value', i + 1));
          else intended.set(i, { value: v.value, category: null });
        } else if (v.category === undefined) {
          errors.push(v.value !== undefined ? fieldError('round.referenceNeedsCategory', { analyte: item.code, codes }, 'value', i + 1) : fieldError('value.required', {}, 'category', i + 1));
        } else {
          // the intended result of a categorical item: one of its category codes (aliases accepted)
          const read = readItemValue(item, v.category);
          if (!read.ok) errors.push(fieldError(read.reason, read.params, 'category', i + 1));
          else if (read.value.kind === 'category') intended.set(i, { value: read.value.grade, category: read.value.category });
        }
      }
      if (!r.samples.includes(v.sample)) errors.push(fieldError('round.sampleNotInRound', { sample: v.sample }, 'sample', i + 1));
      if (!analyteIds.has(v.analyte.toUpperCase())) errors.push(fieldError('round.analyteNotGraded', { analyte: v.analyte }, 'analyte', i + 1));
      const key = `${v.sample}:${v.analyte.toUpperCase()}`;
      if (seen.has(key)) errors.push(fieldError('round.twoReferenceValues', { sample: v.sample, analyte: v.analyte }, 'sample', i + 1));
      seen.add(key);
    });
    // the headline says what is wrong: the reference values, or only the round's analytes
    if (errors.length && errors.every((e) => e.field === 'analytes')) {
      throw new AppError('round.analytesNotInScheme', { scheme: r.schemeCode, analytes: roundAnalytes!.filter((a) => !schemeIds.has(a)).join(', ') }, errors);
    }
    if (errors.length) throw new AppError('round.invalidReferenceValues', {}, errors);
    const round = await insertRound(tx, { schemeId: found.scheme.id, code: r.code, opensAt: r.opensAt, closesAt: r.closesAt, status: opts.open ? 'open' : 'draft', analytes: roundAnalytes, createdBy: actor.userId, createdAt: now });
    const samples = await insertSamples(tx, round.id, r.samples);
    const sampleIds = new Map(samples.map((s) => [s.code, s.id]));
    await insertReferenceValues(
      tx,
      r.referenceValues.map((v, i) => ({
        sampleId: sampleIds.get(v.sample)!,
        analyteId: analyteIds.get(v.analyte.toUpperCase())!,
        ...intended.get(i)!,
        // the expanded uncertainty U is given with its coverage factor k (default 2); u = U/k is stored too
        uncertainty: v.uncertainty != null ? standardUncertainty(v.uncertainty, v.k ?? DEFAULT_COVERAGE_FACTOR) : null,
        expandedUncertainty: v.uncertainty ?? null,
        coverageFactor: v.uncertainty != null ? (v.k ?? DEFAULT_COVERAGE_FACTOR) : null,
        source: v.source ?? null,
      })),
    );
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'eqa.round.create',
      entityType: 'eqa_round',
      entityId: round.id,
      regionId: found.scheme.regionId,
      details: { code: r.code, scheme: r.schemeCode, status: opts.open ? 'open' : 'draft', samples: r.samples, analytes: roundAnalytes, opensAt: r.opensAt, closesAt: r.closesAt, referenceValues: r.referenceValues.length },
      at: now,
    });
    return round;
  });
}

function closesInPast(closesAt: number, kind?: 'conflict'): AppError {
  const params = { closesAt: new Date(closesAt).toISOString() };
  return new AppError('round.closesInPast', params, [fieldError('round.closesInPast', params, 'closesAt')], kind);
}

async function transition(db: DB, actor: Actor, roundCode: string, action: 'open' | 'close', now: number) {
  return await withTx(db, async (tx) => {
    const r = await loadRound(tx, roundCode);
    assertManagesScheme(actor, r.regionPath);
    const status = effectiveStatus(r.round, now);
    if (action === 'open' && r.round.status !== 'draft') throw new AppError('round.notDraft', { round: roundCode, status });
    if (action === 'open' && r.round.closesAt <= now) throw closesInPast(r.round.closesAt, 'conflict');
    if (action === 'close' && r.round.status !== 'open') throw new AppError('round.notOpen', { round: roundCode, status });
    // closed before it opened, it would be evaluated with every participant not submitted
    if (action === 'close' && now < r.round.opensAt) throw new AppError('round.neverOpened', { round: roundCode, opensAt: new Date(r.round.opensAt).toISOString() });
    const closesAt = action === 'close' ? Math.min(r.round.closesAt, now) : undefined;
    await setRoundStatus(tx, r.round.id, action === 'open' ? 'open' : 'closed', closesAt !== undefined ? { closesAt } : {});
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: `eqa.round.${action}`,
      entityType: 'eqa_round',
      entityId: r.round.id,
      regionId: r.scheme.regionId,
      details: { code: roundCode, from: r.round.status, ...(closesAt !== undefined ? { closesAt } : {}) },
      at: now,
    });
    return { code: roundCode, status: action === 'open' ? 'open' : 'closed' };
  });
}

/** Open a draft round for submissions (between its opening and closing times). */
export async function openRound(db: DB, actor: Actor, input: { roundCode: string }, opts: ClockOptions = {}) {
  return await transition(db, actor, String(input.roundCode ?? ''), 'open', opts.now ?? Date.now());
}

/** Close an open round now (submissions stop; the closing time becomes now if it was later). */
export async function closeRound(db: DB, actor: Actor, input: { roundCode: string }, opts: ClockOptions = {}) {
  return await transition(db, actor, String(input.roundCode ?? ''), 'close', opts.now ?? Date.now());
}

/** The rounds an actor can see, as the API returns them. */
export async function listRounds(db: Conn, actor: Actor, opts: ClockOptions = {}) {
  if (!can(actor, 'eqaRound.read')) throw new AppError('auth.forbidden');
  const now = opts.now ?? Date.now();
  return (await listVisibleRounds(db, roundVisibility(actor))).map((r) => ({
    code: r.code,
    scheme: r.schemeCode,
    schemeName: r.schemeName,
    schemeNameEn: r.schemeNameEn,
    status: effectiveStatus(r, now),
    // `status` stays `open` before opensAt (its values are a contract); this says whether a
    // submission sent now is taken (else 409 round.notOpenYet or round.closedForSubmissions)
    acceptingResults: acceptsSubmissions(r, now),
    opensAt: new Date(r.opensAt).toISOString(),
    closesAt: new Date(r.closesAt).toISOString(),
    samples: r.samples,
    analytes: r.analytes,
  }));
}

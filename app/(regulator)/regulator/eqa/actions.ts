'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { AppError } from '@/lib/errors';
import { formObject, formOf, runAction, type ActionState } from '@/lib/actions';
import { createRound, openRound, closeRound } from '@/lib/services/eqa/rounds';
import { createScheme, enrollLabs, withdrawLabs } from '@/lib/services/eqa/schemes';
import { abandonEvaluation, reserveEvaluation } from '@/lib/services/eqa/evaluation';
import { runJob, startJob } from '@/lib/jobs';

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[\s,;，、]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export async function createSchemeAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    const { analytes, enrollAll, ...rest } = formObject(form);
    // `K` uses the catalogue's allowable error; `K:6` sets ±6 %, `K:6:0.2` ±6 % or ±0.2, the larger
    const parsed = list(analytes).map((a) => {
      // K:6:0.2 is CLIA's "greater of"; K:6:0.2:3.3 the WS/T threshold rule (0.2 at or below 3.3, 6 % above)
      const [analyte, percent, absolute, threshold] = a.split(':');
      return {
        analyte: analyte.toUpperCase(),
        ...(percent ? { percent } : {}),
        ...(absolute ? { absolute } : {}),
        ...(threshold ? { form: 'threshold', threshold } : percent && absolute ? { form: 'greater_of' } : {}),
      };
    });
    const scheme = await createScheme(getDb(), actor, { ...rest, analytes: parsed });
    const enrolled = enrollAll ? (await enrollLabs(getDb(), actor, { schemeCode: scheme.code, all: true })).added : 0;
    return { code: scheme.code, enrolled };
  });
  if (r.ok) revalidatePath('/regulator/eqa');
  return r;
}

export async function createRoundAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    const { samples, references, openNow, ...rest } = formObject(form);
    const referenceValues = String(references ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [sample, analyte, value, uncertainty, k] = l.split(/[,\t;]/).map((x) => x.trim());
        // `result`: a number, or the intended category of a qualitative, ordinal or nominal item (read per item kind)
        return { sample, analyte: (analyte ?? '').toUpperCase(), result: value, uncertainty, k };
      });
    const round = await createRound(getDb(), actor, { ...rest, samples: list(samples), referenceValues });
    if (openNow) await openRound(getDb(), actor, { roundCode: round.code });
    return { code: round.code };
  });
  if (r.ok) revalidatePath('/regulator/eqa');
  return r;
}

/** One of the round's state changes, chosen by the `op` field: open, close, evaluate, publish. */
export async function roundOperationAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  form = formOf(form);
  const op = String(form.get('op') ?? '');
  const roundCode = String(form.get('roundCode') ?? '');
  const r = await runAction(async (actor) => {
    const db = getDb();
    if (op === 'open') return await openRound(db, actor, { roundCode });
    if (op === 'close') return await closeRound(db, actor, { roundCode });
    if (op === 'evaluate') {
      // one evaluation runner (lib/jobs.ts, a job worker in production): a large round is reserved and
      // evaluated in the background while the round page shows its progress; a small one is awaited
      const reserved = await reserveEvaluation(db, actor, { roundCode });
      if (reserved) {
        startJob('eqa.evaluate', actor, { roundCode: reserved.round, evaluationId: reserved.evaluationId }, async (message) => await abandonEvaluation(getDb(), reserved.evaluationId, message));
        return { version: reserved.version, background: true };
      }
      const s = await runJob('eqa.evaluate', actor, { roundCode });
      return { version: s.version, results: s.results };
    }
    if (op === 'publish') return runJob('eqa.publish', actor, { roundCode });
    throw new AppError('round.unknownOperation', { op });
  });
  if (r.ok) revalidatePath(`/regulator/eqa/rounds/${encodeURIComponent(roundCode)}`);
  return r;
}

/** The participants form: enrol the listed labs in a scheme, or withdraw them (with a reason). */
export async function enrolmentAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    const { operation, participantScheme, labCodes, reason } = formObject(form);
    const input = { schemeCode: String(participantScheme ?? ''), labs: list(labCodes) };
    if (operation === 'withdraw') return await withdrawLabs(getDb(), actor, { ...input, reason: String(reason ?? '') });
    return await enrollLabs(getDb(), actor, input);
  });
  if (r.ok) revalidatePath('/regulator/eqa');
  return r;
}

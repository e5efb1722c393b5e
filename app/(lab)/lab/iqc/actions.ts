'use server';
// The lab manager's IQC actions: each is runAction around one service (authorization, validation
// and the transaction live in the service).
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, runAction } from '@/lib/actions';
import { AppError } from '@/lib/errors';
import { refuseUnpairedSurrogatesIn, refuseUnpairedSurrogatesInLines } from '@/lib/body';
import { runJob } from '@/lib/jobs';
import { resolveCorrectiveAction } from '@/lib/services/iqc/corrective-actions';
import { establishNewLotTargets, establishTargetsFromBaseline, setManufacturerTarget } from '@/lib/services/iqc/targets';
import { setRuleConfig } from '@/lib/services/iqc/rules';
import { setLotExpiry } from '@/lib/services/iqc/lot-expiry';
import { importTargetsCsv } from '@/lib/services/iqc/targets-csv';
import { isCategoricalCode, setControlExpectations } from '@/lib/services/iqc/qualitative';
import { correctResult } from '@/lib/services/iqc/results';

function refresh() {
  revalidatePath('/lab', 'layout');
}

/** The entry grid: one or many runs entered by hand. */
export async function enterResultsAction(input: { results: unknown[] }) {
  const r = await runAction((actor) => {
    // the rows come as the framework's JSON, not as a form's bytes: refused as the JSON API refuses them
    refuseUnpairedSurrogatesIn(input);
    return runJob('iqc.enter', actor, { results: Array.isArray(input?.results) ? input.results : [] });
  });
  if (r.ok) refresh();
  return r;
}

function csvText(text: unknown): string {
  if (typeof text !== 'string') throw AppError.invalid('No file', [{ row: 1, field: '(file)', message: 'Choose a CSV file' }]);
  refuseUnpairedSurrogatesInLines(text);
  return text;
}

/** CSV preview: every check, nothing written (in a job worker, as the import). */
export async function previewCsvAction(text: string) {
  return runAction((actor) => runJob('iqc.importCsv', actor, { text: csvText(text), dryRun: true }));
}

/** CSV commit: all rows or none. */
export async function importCsvAction(text: string) {
  const r = await runAction((actor) => runJob('iqc.importCsv', actor, { text: csvText(text), dryRun: false }));
  if (r.ok) refresh();
  return r;
}

/** Targets from a CSV file: the preview (every check, nothing kept), then all rows or none. */
export async function previewTargetsCsvAction(text: string) {
  return runAction((actor) => importTargetsCsv(getDb(), actor, { text: csvText(text) }, { dryRun: true }));
}

export async function importTargetsCsvAction(text: string) {
  const r = await runAction((actor) => importTargetsCsv(getDb(), actor, { text: csvText(text) }));
  if (r.ok) refresh();
  return r;
}

export async function resolveCorrectiveActionAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await resolveCorrectiveAction(getDb(), actor, formObject(form)));
  if (r.ok) refresh();
  return r;
}

export async function setTargetAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => {
    const input = formObject(form);
    // a control of a qualitative, ordinal or nominal item: the category it must read (mean/SD: of its signal)
    if (await isCategoricalCode(getDb(), input.analyte)) {
      const [c] = await setControlExpectations(getDb(), actor, { controls: [input] });
      return { controlLotId: c.controlLotId, expected: c.expected, targetId: c.target?.id ?? null, version: c.target?.version ?? null };
    }
    const out = await setManufacturerTarget(getDb(), actor, formObject(form));
    return { targetId: out.target.id, version: out.target.version };
  });
  if (r.ok) refresh();
  return r;
}

export async function lotExpiryAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await setLotExpiry(getDb(), actor, formObject(form)));
  if (r.ok) refresh();
  return r;
}

export async function baselineAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => {
    const t = await establishTargetsFromBaseline(getDb(), actor, formObject(form));
    return { targetId: t.id, mean: t.mean, sd: t.sd, n: t.basisN };
  });
  if (r.ok) refresh();
  return r;
}

export async function newLotAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => {
    const t = await establishNewLotTargets(getDb(), actor, formObject(form));
    return { targetId: t.id, mean: t.mean, sd: t.sd, n: t.basisN };
  });
  if (r.ok) refresh();
  return r;
}

export async function setRulesAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await setRuleConfig(getDb(), actor, formObject(form)));
  if (r.ok) refresh();
  return r;
}

export async function correctResultAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await correctResult(getDb(), actor, formObject(form)));
  if (r.ok) refresh();
  return r;
}

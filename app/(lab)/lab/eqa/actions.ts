'use server';
import { revalidatePath } from 'next/cache';
import { formOf, runAction, type ActionState } from '@/lib/actions';
import { uploadedText } from '@/lib/body';
import type { PageSubmitResult, RawRow } from '@/lib/services/eqa/submissions';
import { runJob } from '@/lib/jobs';

export type SubmitResult = PageSubmitResult;

/** Check and save in a job worker (the form's rows, or the CSV text parsed there). */
function save(roundCode: string, input: { rows?: RawRow[]; csv?: string }, source: 'manual' | 'csv', confirmed: boolean) {
  return runAction<SubmitResult>(async (actor) => await runJob('eqa.page', actor, { roundCode, ...input, source, confirmed }));
}

/** The form: one input per sample × analyte named `v|SAMPLE|ANALYTE`, method and instrument per
 * analyte. A cell left as it showed (`o|SAMPLE|ANALYTE`) with its analyte's method and instrument
 * unchanged (`om|`, `oi|`) is not sent: the form shows one method and instrument per analyte, and
 * sending it again would give every sample that one (a sample measured on another instrument, by the
 * API or a CSV, would move to another peer group). */
export async function submitFormAction(_prev: ActionState<SubmitResult>, form: FormData): Promise<ActionState<SubmitResult>> {
  form = formOf(form);
  const roundCode = String(form.get('roundCode') ?? '');
  const rows: RawRow[] = [];
  // the grid has no lines: a refusal names the cell (its analyte and sample) instead
  const cells = new Map<number, string>();
  let line = 0;
  const text = (k: string) => String(form.get(k) ?? '').trim();
  for (const [k, v] of form.entries()) {
    if (!k.startsWith('v|') || typeof v !== 'string' || v.trim() === '') continue;
    const [, sample, analyte] = k.split('|');
    line++;
    cells.set(line, `${analyte} × ${sample}`);
    const method = text(`m|${analyte}`);
    const instrument = text(`i|${analyte}`);
    const untouched = form.has(`o|${sample}|${analyte}`) && v.trim() === text(`o|${sample}|${analyte}`) && method === text(`om|${analyte}`) && instrument === text(`oi|${analyte}`);
    if (!untouched) rows.push({ line, values: { sample, analyte, value: v, method, instrument } });
  }
  const r = await save(roundCode, { rows }, 'manual', form.get('confirm') === '1');
  if (r.ok && r.data?.saved) revalidatePath(`/lab/eqa/${encodeURIComponent(roundCode)}`);
  if (!r.ok && r.errors) {
    r.errors = r.errors.map(({ row, ...e }) => (row !== undefined && cells.has(row) ? { ...e, field: `${cells.get(row)} · ${e.field}` } : { row, ...e }));
  }
  return r;
}

/** A CSV file (sample, analyte, value, method, instrument). */
export async function submitCsvAction(_prev: ActionState<SubmitResult>, form: FormData): Promise<ActionState<SubmitResult>> {
  form = formOf(form);
  const roundCode = String(form.get('roundCode') ?? '');
  const file = form.get('file');
  const r = await runAction(async () => (file && typeof file !== 'string' ? await uploadedText(file) : String(form.get('csv') ?? '')));
  if (!r.ok) return { ...r, data: undefined };
  const out = await save(roundCode, { csv: r.data! }, 'csv', form.get('confirm') === '1');
  if (out.ok && out.data?.saved) revalidatePath(`/lab/eqa/${encodeURIComponent(roundCode)}`);
  return out;
}

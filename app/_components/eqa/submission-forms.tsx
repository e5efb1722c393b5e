'use client';
// The lab's EQA submission, by form or CSV file, on the shared ActionForm: warnings come back first
// and "save anyway" sends the same values again with confirm=1.
import { useState } from 'react';
import { useTranslations } from 'next-intl';
import type { SubmitResult } from '@/app/(lab)/lab/eqa/actions';
import { ActionForm, type FormAction, type FormContext } from '@/app/_components/action-form';
import { ResultInput, type ResultOption } from './result-input';
import { CsvFileInput } from '@/app/_components/csv-file-input';

type Action = FormAction<SubmitResult>;

/** The answer's warnings (with "save anyway" when nothing was saved yet) and what was saved; refusals
 * are ActionForm's. `byCell`: the grid's answer, whose warnings name their cell (it has no lines). */
function Outcome({ state, resubmit, pending, byCell = false }: FormContext<SubmitResult> & { byCell?: boolean }) {
  const t = useTranslations('eqa.submit');
  if (!state.ok || !state.data) return null;
  const { warnings, saved, needsConfirm } = state.data;
  return (
    <div className="space-y-2">
      {warnings.length > 0 && (
        <div role="alert" data-testid="eqa-warnings" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          <p className="font-medium">{t('warningsTitle', { n: warnings.length })}</p>
          <ul className="mt-1 list-disc pl-5">
            {warnings.map((w, i) => (
              <li key={i}>
                {byCell ? t('warningCell', { sample: w.sample, analyte: w.analyte, value: w.value }) : t('warningLine', { row: w.row, sample: w.sample, analyte: w.analyte, value: w.value })} — {t(`warning.${w.kind}`)}
                {w.range && ` (${t('iqcRange', { lo: w.range[0].toPrecision(4), hi: w.range[1].toPrecision(4) })})`}
              </li>
            ))}
          </ul>
          {needsConfirm && (
            <button type="button" className="btn mt-2" onClick={() => resubmit({ confirm: '1' })} disabled={pending} data-testid="eqa-confirm">
              {t('saveAnyway')}
            </button>
          )}
        </div>
      )}
      {saved && (
        <p role="status" data-testid="eqa-saved" className="text-sm text-green-700">
          {t('saved', saved)}
        </p>
      )}
    </div>
  );
}

const CellOutcome = (ctx: FormContext<SubmitResult>) => <Outcome {...ctx} byCell />;

export interface FormAnalyte {
  code: string;
  name: string;
  unit: string;
  method: string;
  instrument: string;
  /** a qualitative, ordinal or nominal item's categories (catalogue order, localized); none for numbers */
  options?: ResultOption[] | null;
}

/** One value per sample × analyte, method and instrument per analyte (they define the peer group). */
export function SubmissionForm({ action, roundCode, samples, analytes, values }: { action: Action; roundCode: string; samples: string[]; analytes: FormAnalyte[]; values: Record<string, number | string> }) {
  const t = useTranslations('eqa.submit');
  return (
    <ActionForm action={action} testId="eqa-submit-form" className="space-y-3" submitLabel={t('save')} pendingLabel={t('saving')} resetOnSuccess={false} outcome={CellOutcome}>
      <input type="hidden" name="roundCode" value={roundCode} />
      <div className="overflow-x-auto">
        <table className="table">
          <thead>
            <tr>
              <th>{t('analyte')}</th>
              {samples.map((s) => (
                <th key={s}>{s}</th>
              ))}
              <th>{t('method')}</th>
              <th>{t('instrument')}</th>
            </tr>
          </thead>
          <tbody>
            {analytes.map((a) => (
              <tr key={a.code}>
                <td className="whitespace-nowrap">
                  <span className="font-medium">{a.code}</span> <span className="text-xs text-slate-500">{a.name}{a.unit ? ` (${a.unit})` : ''}</span>
                </td>
                {samples.map((s) => (
                  <td key={s}>
                    <ResultInput name={`v|${s}|${a.code}`} label={`${a.code} ${s}`} options={a.options} defaultValue={values[`${s}|${a.code}`]} />
                    {/* what the cell showed: a cell left as it was is not sent again (with the row's method) */}
                    {values[`${s}|${a.code}`] !== undefined && <input type="hidden" name={`o|${s}|${a.code}`} value={String(values[`${s}|${a.code}`])} />}
                  </td>
                ))}
                <td>
                  <input type="hidden" name={`om|${a.code}`} value={a.method} />
                  <input type="hidden" name={`oi|${a.code}`} value={a.instrument} />
                  <input name={`m|${a.code}`} aria-label={`${a.code} ${t('method')}`} className="input w-32" defaultValue={a.method} />
                </td>
                <td>
                  <input name={`i|${a.code}`} aria-label={`${a.code} ${t('instrument')}`} className="input w-32" defaultValue={a.instrument} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </ActionForm>
  );
}

/** Upload a CSV (sample, analyte, value, method, instrument); the file is read in the browser and sent as text. */
export function CsvSubmissionForm({ action, roundCode }: { action: Action; roundCode: string }) {
  const t = useTranslations('eqa.submit');
  const [text, setText] = useState('');
  return (
    <ActionForm action={action} testId="eqa-csv-form" className="space-y-3" submitLabel={t('upload')} pendingLabel={t('saving')} submitDisabled={!text} resetOnSuccess={false} outcome={Outcome}>
      <input type="hidden" name="roundCode" value={roundCode} />
      <input type="hidden" name="csv" value={text} />
      <label className="label" htmlFor="eqa-csv-file">
        {t('csvFile')}
      </label>
      <CsvFileInput id="eqa-csv-file" onText={setText} />
    </ActionForm>
  );
}

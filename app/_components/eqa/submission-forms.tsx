'use client';
import { useActionState, useState, useTransition } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import type { SubmitResult } from '@/app/(lab)/lab/eqa/actions';
import { FormErrors } from '@/app/_components/action-form';

type Action = (prev: ActionState<SubmitResult>, form: FormData) => Promise<ActionState<SubmitResult>>;

function Outcome({ state, onConfirm, pending }: { state: ActionState<SubmitResult>; onConfirm: () => void; pending: boolean }) {
  const t = useTranslations('eqa.submit');
  if (!state.ok || !state.data) return <FormErrors state={state} />;
  const { warnings, saved, needsConfirm } = state.data;
  return (
    <div className="space-y-2">
      {warnings.length > 0 && (
        <div role="alert" data-testid="eqa-warnings" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          <p className="font-medium">{t('warningsTitle', { n: warnings.length })}</p>
          <ul className="mt-1 list-disc pl-5">
            {warnings.map((w, i) => (
              <li key={i}>
                {t('warningLine', { row: w.row, sample: w.sample, analyte: w.analyte, value: w.value })} — {t(`warning.${w.kind}`)}
                {w.range && ` (${t('iqcRange', { lo: w.range[0].toPrecision(4), hi: w.range[1].toPrecision(4) })})`}
              </li>
            ))}
          </ul>
          {needsConfirm && (
            <button type="button" className="btn mt-2" onClick={onConfirm} disabled={pending} data-testid="eqa-confirm">
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

function useSubmit(action: Action) {
  const [state, dispatch] = useActionState(action, { ok: false } as ActionState<SubmitResult>);
  const [pending, startTransition] = useTransition();
  const [last, setLast] = useState<FormData | null>(null);
  const send = (fd: FormData) => {
    setLast(fd);
    startTransition(() => dispatch(fd));
  };
  const confirm = () => {
    if (!last) return;
    const fd = new FormData();
    for (const [k, v] of last.entries()) fd.append(k, v);
    fd.set('confirm', '1');
    startTransition(() => dispatch(fd));
  };
  return { state, pending, send, confirm };
}

export interface FormAnalyte {
  code: string;
  name: string;
  unit: string;
  method: string;
  instrument: string;
}

/** One value per sample × analyte, method and instrument per analyte (they define the peer group). */
export function SubmissionForm({ action, roundCode, samples, analytes, values }: { action: Action; roundCode: string; samples: string[]; analytes: FormAnalyte[]; values: Record<string, number> }) {
  const t = useTranslations('eqa.submit');
  const { state, pending, send, confirm } = useSubmit(action);
  return (
    <form
      data-testid="eqa-submit-form"
      onSubmit={(e) => {
        e.preventDefault();
        send(new FormData(e.currentTarget));
      }}
      className="space-y-3"
    >
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
                  <span className="font-medium">{a.code}</span> <span className="text-xs text-slate-500">{a.name} ({a.unit})</span>
                </td>
                {samples.map((s) => (
                  <td key={s}>
                    <input
                      name={`v|${s}|${a.code}`}
                      aria-label={`${a.code} ${s}`}
                      inputMode="decimal"
                      className="input w-24"
                      defaultValue={values[`${s}|${a.code}`] ?? ''}
                    />
                  </td>
                ))}
                <td>
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
      <button type="submit" className="btn" disabled={pending}>
        {pending ? t('saving') : t('save')}
      </button>
      <Outcome state={state} onConfirm={confirm} pending={pending} />
    </form>
  );
}

/** Upload a CSV (sample, analyte, value, method, instrument); the file is read in the browser and sent as text. */
export function CsvSubmissionForm({ action, roundCode }: { action: Action; roundCode: string }) {
  const t = useTranslations('eqa.submit');
  const { state, pending, send, confirm } = useSubmit(action);
  const [text, setText] = useState('');
  return (
    <form
      data-testid="eqa-csv-form"
      onSubmit={(e) => {
        e.preventDefault();
        const fd = new FormData();
        fd.set('roundCode', roundCode);
        fd.set('csv', text);
        send(fd);
      }}
      className="space-y-3"
    >
      <label className="label" htmlFor="eqa-csv-file">
        {t('csvFile')}
      </label>
      <input id="eqa-csv-file" type="file" accept=".csv,text/csv" className="block text-sm" onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? '')} />
      <button type="submit" className="btn" disabled={pending || !text}>
        {pending ? t('saving') : t('upload')}
      </button>
      <Outcome state={state} onConfirm={confirm} pending={pending} />
    </form>
  );
}

'use client';
// The workspace's two forms whose answer is more than a note: the batch check (a table of marks and
// windows, and the answers as a CSV download) and the mapping upload (a preview with its line
// errors, then "save" sends the same file again with commit=1).
import { useTranslations } from 'next-intl';
import { ActionForm, FormErrors } from '@/app/_components/action-form';
import type { ActionState } from '@/lib/actions';
import type { BatchCheckRow } from '@/lib/services/hospital/batch-check';
import type { MappingPreview } from '@/lib/services/hospital/local-codes';
import { batchCheckAction, mappingUploadAction } from '../actions';
import { batchReasonText } from './batch-reason';

/** rows shown on screen (the CSV has them all) */
const SHOWN = 1000;

type BatchAnswer = { rows: BatchCheckRow[]; csv: string; counts: { checks: number; recognized: number; usable: number; errors: number } };

function yesNo(v: boolean | null, yes: string, no: string) {
  if (v === null) return '—';
  return <span className={v ? 'badge-green' : 'badge-red'}>{v ? yes : no}</span>;
}

export function BatchCheckForm() {
  const t = useTranslations('hospital.batch');
  const reasons = useTranslations('recognition.reasons');
  const errors = useTranslations('errors');
  return (
    <ActionForm<BatchAnswer> action={batchCheckAction as (p: ActionState<BatchAnswer>, f: FormData) => Promise<ActionState<BatchAnswer>>} submitLabel={t('submit')} testId="batch-check" resetOnSuccess={false}
      outcome={({ state }) => {
        if (!state.ok || !state.data) return null;
        const { rows, csv, counts } = state.data;
        return (
          <div className="space-y-3" data-testid="batch-answers">
            <p role="status" className="text-sm text-slate-700" data-testid="batch-counts">
              {t('counts', counts)}
            </p>
            <a className="btn-secondary inline-block" href={`data:text/csv;charset=utf-8,${encodeURIComponent('\uFEFF' + csv)}`} download="labqc-answers.csv" data-testid="batch-download">
              {t('download')}
            </a>
            {rows.length > SHOWN && <p className="text-xs text-slate-500">{t('truncated', { shown: SHOWN, n: rows.length })}</p>}
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="table" data-testid="batch-table">
                <thead>
                  <tr>
                    <th>{t('line')}</th>
                    <th>{t('lab')}</th>
                    <th>{t('analyte')}</th>
                    <th>{t('date')}</th>
                    <th>{t('asOf')}</th>
                    <th>{t('recognized')}</th>
                    <th>{t('window')}</th>
                    <th>{t('mark')}</th>
                    <th>{t('reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.slice(0, SHOWN).map((r) => (
                    <tr key={r.line} data-testid={`batch-row-${r.line}`}>
                      <td>{r.line}</td>
                      <td className="font-mono">{r.lab}</td>
                      <td className="font-mono">{r.analyte}</td>
                      <td className="whitespace-nowrap">{r.date}</td>
                      <td className="whitespace-nowrap">{r.asOf}</td>
                      <td>{yesNo(r.recognized, t('yes'), t('no'))}</td>
                      <td>
                        {r.recognized === null ? '—' : yesNo(r.withinWindow, t('within'), t('outside'))}
                        {r.windowDays !== null && <span className="ml-1 text-xs text-slate-500">{t('windowDays', { days: r.windowDays })}</span>}
                      </td>
                      <td>{r.mark ?? '—'}</td>
                      <td className="text-xs">{batchReasonText(r, reasons, errors)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      }}
    >
      <div>
        <label htmlFor="f-text" className="label">
          {t('paste')}
        </label>
        <textarea id="f-text" name="text" rows={6} className="input font-mono text-xs" placeholder={'lab,analyte,date,asOf\nGZ-001,K,2026-06-01,2026-06-05'} />
        <p className="mt-1 text-xs text-slate-500">{t('pasteHint')}</p>
      </div>
      <div>
        <label htmlFor="f-file" className="label">
          {t('upload')}
        </label>
        <input id="f-file" name="file" type="file" accept=".csv,text/csv,text/plain" className="input" />
      </div>
    </ActionForm>
  );
}

type MappingAnswer = MappingPreview & { saved: boolean };

export function MappingUploadForm() {
  const t = useTranslations('hospital.mapping');
  return (
    <ActionForm<MappingAnswer> action={mappingUploadAction as (p: ActionState<MappingAnswer>, f: FormData) => Promise<ActionState<MappingAnswer>>} submitLabel={t('preview')} testId="mapping-upload" resetOnSuccess={false}
      outcome={({ state, resubmit, pending }) => {
        if (!state.ok || !state.data) return null;
        const d = state.data;
        if (d.saved)
          return (
            <p role="status" className="text-sm text-green-700" data-testid="mapping-saved">
              {t('saved', d.counts)}
            </p>
          );
        return (
          <div className="space-y-2" data-testid="mapping-preview">
            <p className="text-sm">{t('previewCounts', { ...d.counts, errors: d.errors.length })}</p>
            {d.errors.length > 0 && <FormErrors state={{ ok: false, code: 'invalid', reason: 'localCode.rejected', errors: d.errors }} />}
            {d.rows.length > 0 && (
              <ul className="max-h-48 overflow-auto text-xs">
                {d.rows.map((r) => (
                  <li key={r.line} className="font-mono">
                    {t('previewRow', { line: r.line, code: r.localCode, analyte: r.analyte, change: r.change, previous: r.previous ?? '' })}
                  </li>
                ))}
              </ul>
            )}
            <button type="button" className="btn" disabled={pending || d.errors.length > 0} onClick={() => resubmit({ commit: '1' })} data-testid="mapping-save">
              {t('save')}
            </button>
          </div>
        );
      }}
    >
      <div>
        <label htmlFor="m-file" className="label">
          {t('file')}
        </label>
        <input id="m-file" name="file" type="file" accept=".csv,text/csv,text/plain" className="input" />
      </div>
      <div>
        <label htmlFor="m-text" className="label">
          {t('paste')}
        </label>
        <textarea id="m-text" name="text" rows={4} className="input font-mono text-xs" placeholder={'local_code,analyte\nXK01,K\nGLU-1,loinc:14749-6'} />
      </div>
      <div>
        <label htmlFor="m-reason" className="label">
          {t('reason')}
        </label>
        <input id="m-reason" name="reason" className="input" placeholder={t('reasonPlaceholder')} />
      </div>
    </ActionForm>
  );
}

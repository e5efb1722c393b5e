'use client';
// CSV import: choose a file, preview (every bad row with its line and column; nothing written),
// then commit all rows in one transaction.
import { useState, useTransition } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { useErrorText } from '@/app/_components/error-text';
import { chosenFileText, UNREADABLE_FILE } from '@/lib/text-encoding';

interface Outcome {
  inserted: number;
  skipped: number;
  rejected: number;
  newLots: number;
  runCount: number;
}

/** A targets file's outcome (lib/services/iqc/targets-csv.ts). */
interface TargetsOutcome {
  targets: number;
  lots: number;
}

/** `kind`: a file of control results (the import page) or of targets (the targets page). */
export function ImportForm<K extends 'results' | 'targets' = 'results'>({
  preview,
  commit,
  templateHref,
  kind,
}: {
  preview: (text: string) => Promise<ActionState<K extends 'targets' ? TargetsOutcome : Outcome>>;
  commit: (text: string) => Promise<ActionState<K extends 'targets' ? TargetsOutcome : Outcome>>;
  templateHref: string;
  kind?: K;
}) {
  const t = useTranslations('iqc.import');
  const tt = useTranslations('iqc.targetsImport');
  const targets = kind === 'targets';
  const te = useTranslations('iqc.errors');
  const tr = te as unknown as (key: string, values?: Record<string, string>) => string;
  const errorText = useErrorText();
  // a CSV column keeps its header name (as in the file); "(file)", "(row)" are said in words
  const fieldName = (f: string) => (/^\((file|row|body)\)$/.test(f) ? tr(`fields.${f.slice(1, -1)}`) : f);
  const [text, setText] = useState<string | null>(null);
  const [name, setName] = useState('');
  type Result = ActionState<K extends 'targets' ? TargetsOutcome : Outcome>;
  const [checked, setChecked] = useState<Result | null>(null);
  const [done, setDone] = useState<Result | null>(null);
  const [pending, start] = useTransition();

  async function onFile(e: React.ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    setChecked(null);
    setDone(null);
    if (!file) return setText(null);
    setName(file.name);
    const content = await chosenFileText(file);
    // a file in no encoding read is refused here, as the server would refuse it
    if (content === null) return void (setText(null), setChecked(UNREADABLE_FILE as Result));
    setText(content);
    start(async () => setChecked(await preview(content)));
  }

  const shown = done ?? checked;
  return (
    <div className="space-y-4">
      <div className="card flex flex-wrap items-end gap-4">
        <div>
          <label className="label" htmlFor={targets ? 'csv-targets' : 'csv'}>
            {targets ? tt('file') : t('file')}
          </label>
          <input id={targets ? 'csv-targets' : 'csv'} type="file" accept=".csv,text/csv" onChange={onFile} className="text-sm" />
        </div>
        <a className="btn-secondary" href={templateHref} download>
          {t('template')}
        </a>
        <p className="w-full text-xs text-slate-500">{targets ? tt('help') : t('help')}</p>
      </div>

      {pending && <p className="text-sm text-slate-600">{t('checking')}</p>}

      {shown && !shown.ok && (
        <div className="card border-red-200" role="alert" data-testid="import-errors">
          <p className="mb-2 font-medium text-red-800">{shown.code === 'invalid' && shown.errors?.length ? t('invalid', { count: shown.errors.length }) : errorText(shown)}</p>
          {!!shown.errors?.length && (
            <table className="table">
              <thead>
                <tr>
                  <th>{t('line')}</th>
                  <th>{t('field')}</th>
                  <th>{t('problem')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.errors.slice(0, 500).map((e, i) => (
                  <tr key={i}>
                    <td>{e.row ?? ''}</td>
                    <td>{fieldName(e.field)}</td>
                    <td>{errorText(e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}

      {checked?.ok && !done && (
        <div className="card" data-testid="import-preview">
          <p className="text-sm">{targets ? tt('valid', { name, ...(checked.data as TargetsOutcome) }) : t('valid', { name, inserted: (checked.data as Outcome).inserted, skipped: (checked.data as Outcome).skipped, lots: (checked.data as Outcome).newLots })}</p>
          <button type="button" className="btn mt-3" disabled={pending || !text} onClick={() => start(async () => setDone(await commit(text!)))}>
            {t('commit')}
          </button>
        </div>
      )}

      {done?.ok && (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-800" data-testid="import-done">
          {targets ? tt('committed', { ...(done.data as TargetsOutcome) }) : t('committed', { inserted: (done.data as Outcome).inserted, skipped: (done.data as Outcome).skipped, runs: (done.data as Outcome).runCount, rejected: (done.data as Outcome).rejected })}
        </div>
      )}
    </div>
  );
}

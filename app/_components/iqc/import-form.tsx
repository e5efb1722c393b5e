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

export function ImportForm({
  preview,
  commit,
  templateHref,
}: {
  preview: (text: string) => Promise<ActionState<Outcome>>;
  commit: (text: string) => Promise<ActionState<Outcome>>;
  templateHref: string;
}) {
  const t = useTranslations('iqc.import');
  const te = useTranslations('iqc.errors');
  const tr = te as unknown as (key: string, values?: Record<string, string>) => string;
  const errorText = useErrorText();
  // a CSV column keeps its header name (as in the file); "(file)", "(row)" are said in words
  const fieldName = (f: string) => (/^\((file|row|body)\)$/.test(f) ? tr(`fields.${f.slice(1, -1)}`) : f);
  const [text, setText] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [checked, setChecked] = useState<ActionState<Outcome> | null>(null);
  const [done, setDone] = useState<ActionState<Outcome> | null>(null);
  const [pending, start] = useTransition();

  async function onFile(e: React.ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    setChecked(null);
    setDone(null);
    if (!file) return setText(null);
    setName(file.name);
    const content = await chosenFileText(file);
    // a file in no encoding read is refused here, as the server would refuse it
    if (content === null) return void (setText(null), setChecked(UNREADABLE_FILE));
    setText(content);
    start(async () => setChecked(await preview(content)));
  }

  const shown = done ?? checked;
  return (
    <div className="space-y-4">
      <div className="card flex flex-wrap items-end gap-4">
        <div>
          <label className="label" htmlFor="csv">
            {t('file')}
          </label>
          <input id="csv" type="file" accept=".csv,text/csv" onChange={onFile} className="text-sm" />
        </div>
        <a className="btn-secondary" href={templateHref} download>
          {t('template')}
        </a>
        <p className="w-full text-xs text-slate-500">{t('help')}</p>
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
          <p className="text-sm">{t('valid', { name, inserted: checked.data!.inserted, skipped: checked.data!.skipped, lots: checked.data!.newLots })}</p>
          <button type="button" className="btn mt-3" disabled={pending || !text} onClick={() => start(async () => setDone(await commit(text!)))}>
            {t('commit')}
          </button>
        </div>
      )}

      {done?.ok && (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-800" data-testid="import-done">
          {t('committed', { inserted: done.data!.inserted, skipped: done.data!.skipped, runs: done.data!.runCount, rejected: done.data!.rejected })}
        </div>
      )}
    </div>
  );
}

'use client';
// Registry import in two steps: the file is read in the browser, checked on the server (preview:
// every problem with its line and field, and what would be created or updated), then committed as
// one all-or-nothing transaction. New managers' temporary passwords are shown once.
import { useState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import type { RegistryPlan, RegistryProblem } from '@/lib/services/registry';
import { ActionForm, type FormAction } from '@/app/_components/action-form';
import { CsvFileInput } from '@/app/_components/csv-file-input';

type Action = FormAction;
type Committed = { counts: RegistryPlan['counts']; managers: { labCode: string; email: string; temporaryPassword: string }[] };

export function RegistryImport({ preview, commit }: { preview: Action; commit: Action }) {
  const t = useTranslations('admin.import');
  const tf = useTranslations('admin.form');
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState('');
  // both answers are shown outside their forms: the plan holds the commit form
  const [checked, setChecked] = useState<ActionState>({ ok: false });
  const [done, setDone] = useState<ActionState>({ ok: false });
  const plan = checked.ok ? (checked.data as RegistryPlan) : undefined;
  const committed = done.ok ? (done.data as Committed) : undefined;
  const problems: RegistryProblem[] = plan?.problems ?? [];
  const problemText = (p: RegistryProblem) => (p.code && t.has(`problems.${p.code}`) ? t(`problems.${p.code}`, { line: p.params?.line ?? '', region: p.params?.region ?? '' }) : p.message);

  return (
    <div className="space-y-6">
      <ActionForm action={preview} onAnswer={setChecked} resetOnSuccess={false} className="card space-y-3" testId="registry-preview" submitLabel={t('check')} submitDisabled={!csv}>
        <div>
          <label htmlFor="registry-file" className="label">
            {t('file')}
          </label>
          <CsvFileInput
            id="registry-file"
            onText={(text, file) => {
              setFileName(file?.name ?? '');
              setCsv(text);
            }}
          />
          <p className="mt-1 text-xs text-slate-500">{t('fileHint')}</p>
        </div>
        <input type="hidden" name="csv" value={csv} />
      </ActionForm>

      {problems.length > 0 && !committed && (
        <section role="alert" aria-labelledby="problems-title" className="card border-red-200" data-testid="registry-problems">
          <h2 id="problems-title" className="mb-2 font-semibold text-red-800">
            {t('problemsTitle', { count: problems.length })}
          </h2>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('line')}</th>
                <th scope="col">{t('field')}</th>
                <th scope="col">{t('problem')}</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((p, i) => (
                <tr key={i}>
                  <td>{p.row ?? '—'}</td>
                  <td className="font-mono">{p.field}</td>
                  <td>{problemText(p)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {plan && plan.problems.length === 0 && !committed && (
        <section className="card space-y-3" aria-labelledby="plan-title" data-testid="registry-plan">
          <h2 id="plan-title" className="font-semibold">
            {t('planTitle', { file: fileName })}
          </h2>
          <p className="text-sm text-slate-700">{t('planSummary', plan.counts)}</p>
          <div className="max-h-96 overflow-auto">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('line')}</th>
                  <th scope="col">{t('code')}</th>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('action')}</th>
                  <th scope="col">{t('manager')}</th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.map((r) => (
                  <tr key={r.line}>
                    <td>{r.line}</td>
                    <td className="font-mono">{r.code}</td>
                    <td>{r.name}</td>
                    <td>
                      {t(`actions.${r.action}`)}
                      {r.changed.length > 0 && <span className="text-xs text-slate-500"> ({r.changed.join(', ')})</span>}
                    </td>
                    <td>{r.manager ? `${r.manager.email} · ${t(`managerActions.${r.manager.action}`)}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ActionForm action={commit} onAnswer={setDone} submitLabel={t('commit')}>
            <input type="hidden" name="csv" value={csv} />
          </ActionForm>
        </section>
      )}

      {committed && (
        <section role="status" className="card space-y-3 border-green-200" data-testid="registry-done">
          <h2 className="font-semibold text-green-800">{t('doneTitle')}</h2>
          <p className="text-sm">{t('planSummary', committed.counts)}</p>
          {committed.managers.length > 0 && (
            <>
              <p className="text-sm font-medium text-amber-900">{tf('secretOnce')}</p>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('code')}</th>
                    <th scope="col">{t('manager')}</th>
                    <th scope="col">{t('temporaryPassword')}</th>
                  </tr>
                </thead>
                <tbody>
                  {committed.managers.map((m) => (
                    <tr key={m.email}>
                      <td className="font-mono">{m.labCode}</td>
                      <td>{m.email}</td>
                      <td className="font-mono">{m.temporaryPassword}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
    </div>
  );
}

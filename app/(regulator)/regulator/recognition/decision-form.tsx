'use client';
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { decideAction, recomputeAction } from './actions';
import { useErrorText } from '@/app/_components/error-text';

const ACTIONS = ['approve', 'reject', 'suspend', 'reinstate', 'revoke'] as const;
type Decided = { action: string; certificateNo: string | null; mark: string | null }[];

/** The bulk decision form: the server-rendered tables (with their checkboxes) are its children. */
export function DecisionForm({ children }: { children: React.ReactNode }) {
  const t = useTranslations('recognition.queue');
  const errorText = useErrorText();
  const [state, action, pending] = useActionState<ActionState<Decided>, FormData>(decideAction, { ok: false });
  return (
    <form action={action} id="decision-form">
      {children}
      <fieldset className="card mt-6 grid gap-3 md:grid-cols-4" disabled={pending}>
        <legend className="px-1 text-sm font-semibold">{t('decision')}</legend>
        <div>
          <label htmlFor="decision-action" className="label">
            {t('action')}
          </label>
          <select id="decision-action" name="action" className="input" defaultValue="approve">
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(`actions.${a}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="md:col-span-2">
          <label htmlFor="decision-reason" className="label">
            {t('reason')}
          </label>
          <input id="decision-reason" name="reason" required minLength={3} className="input" placeholder={t('reasonPlaceholder')} />
        </div>
        <div>
          <label htmlFor="decision-effective" className="label">
            {t('effectiveOn')}
          </label>
          <input id="decision-effective" name="effectiveOn" type="date" className="input" />
          <p className="mt-1 text-xs text-slate-500">{t('effectiveHint')}</p>
        </div>
        <div className="md:col-span-4">
          <button type="submit" className="btn" id="decision-submit">
            {t('submit')}
          </button>
        </div>
      </fieldset>
      {state.ok && state.data && (
        <div role="status" className="mt-3 rounded-md bg-green-50 p-3 text-sm text-green-900" data-testid="decision-done">
          <p>{t('done', { count: state.data.length })}</p>
          <ul>
            {state.data
              .filter((d) => d.certificateNo)
              .map((d) => (
                <li key={d.certificateNo}>{t('issued', { certificateNo: d.certificateNo ?? '', mark: d.mark ?? '' })}</li>
              ))}
          </ul>
        </div>
      )}
      {!state.ok && state.message && (
        <div role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-900" data-testid="decision-refused">
          <p>
            {t('refused')} {errorText(state)}
          </p>
          <ul>
            {state.errors?.map((e, i) => (
              <li key={i}>
                {e.row ? `#${e.row} ` : ''}
                {e.field}: {errorText(e)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

export function RecomputeButton() {
  const t = useTranslations('recognition.queue');
  const errorText = useErrorText();
  const [state, action, pending] = useActionState<ActionState<{ pairs: number; eligible: number; expired: number }>, FormData>(recomputeAction, { ok: false });
  return (
    <form action={action} className="flex items-center gap-2">
      <button type="submit" className="btn-secondary" disabled={pending}>
        {t('recompute')}
      </button>
      {state.ok && state.data && (
        <span role="status" className="text-sm text-slate-600">
          {t('recomputed', state.data)}
        </span>
      )}
      {!state.ok && state.message && (
        <span role="alert" className="text-sm text-red-700">
          {errorText(state)}
        </span>
      )}
    </form>
  );
}

'use client';
// Exclude one control result from the rules and statistics with a reason, or include it again.
// The page passes the two server actions (app/(lab)/lab/iqc/exclude-action.ts).
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { useErrorText } from '@/app/_components/error-text';

type Action = (prev: unknown, form: FormData) => Promise<ActionState<unknown>>;

export interface ExcludeFormProps {
  resultId: number;
  /** whether the result is excluded now, and why */
  excluded: boolean;
  reason?: string | null;
  excludeAction: Action;
  includeAction: Action;
}

export function ExcludeForm({ resultId, excluded, reason, excludeAction, includeAction }: ExcludeFormProps) {
  const t = useTranslations('iqc.exclude');
  const errorText = useErrorText();
  const [state, formAction, pending] = useActionState(excluded ? includeAction : excludeAction, null);
  const error = state && !state.ok ? errorText(state.errors?.[0] ?? state) : undefined;
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-2 text-sm">
      <input type="hidden" name="resultId" value={resultId} />
      {excluded ? (
        <p className="text-gray-700">{t('excluded', { reason: reason ?? '' })}</p>
      ) : (
        <div>
          <label className="label" htmlFor={`ex-${resultId}`}>
            {t('reason')}
          </label>
          <input id={`ex-${resultId}`} name="reason" className="input w-64" maxLength={500} required />
        </div>
      )}
      <button className="btn-secondary" type="submit" disabled={pending}>
        {excluded ? t('include') : t('submit')}
      </button>
      {state?.ok ? (
        <p role="status" className="text-sm text-green-700">
          {t('saved')}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

'use client';
// Exclude one control result from the rules and statistics with a reason, or include it again.
// The page passes the two server actions (app/(lab)/lab/iqc/exclude-action.ts).
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { ActionForm } from '@/app/_components/action-form';

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
  return (
    <ActionForm
      action={excluded ? includeAction : excludeAction}
      className="flex flex-wrap items-end gap-2 text-sm"
      footerClassName="flex flex-wrap items-center gap-2"
      variant="secondary"
      submitLabel={excluded ? t('include') : t('submit')}
      successMessage={t('saved')}
    >
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
    </ActionForm>
  );
}

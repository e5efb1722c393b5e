'use client';
import { useTranslations } from 'next-intl';
import { ActionForm } from '@/app/_components/action-form';
import { Field, FilterSelect } from '@/app/_components/fields';
import { decideAction, recomputeAction } from './actions';

const ACTIONS = ['approve', 'reject', 'suspend', 'reinstate', 'revoke'] as const;
type Decided = { action: string; certificateNo: string | null; mark: string | null }[];

/** The bulk decision form: the server-rendered tables (with their checkboxes) are its children. */
export function DecisionForm({ children }: { children: React.ReactNode }) {
  const t = useTranslations('recognition.queue');
  return (
    <ActionForm<Decided>
      action={decideAction}
      id="decision-form"
      className=""
      submitLabel={t('submit')}
      submitId="decision-submit"
      footerClassName="mt-3 space-y-3"
      outcome={({ state }) =>
        state.ok &&
        state.data && (
          <div role="status" className="rounded-md bg-green-50 p-3 text-sm text-green-900" data-testid="decision-done">
            <p>{t('done', { count: state.data.length })}</p>
            <ul>
              {state.data
                .filter((d) => d.certificateNo)
                .map((d) => (
                  <li key={d.certificateNo}>{t('issued', { certificateNo: d.certificateNo ?? '', mark: d.mark ?? '' })}</li>
                ))}
            </ul>
          </div>
        )
      }
    >
      {({ pending }) => (
        <>
          {children}
          <fieldset className="card mt-6 grid gap-3 md:grid-cols-4" disabled={pending}>
            <legend className="px-1 text-sm font-semibold">{t('decision')}</legend>
            <FilterSelect id="decision-action" name="action" label={t('action')} value="approve" options={ACTIONS.map((a) => ({ value: a, label: t(`actions.${a}`) }))} />
            <div className="md:col-span-2">
              <Field id="decision-reason" name="reason" label={t('reason')} placeholder={t('reasonPlaceholder')} />
            </div>
            <Field id="decision-effective" name="effectiveOn" type="date" label={t('effectiveOn')} hint={t('effectiveHint')} />
          </fieldset>
        </>
      )}
    </ActionForm>
  );
}

type Recomputed = { pairs: number; eligible: number; expired: number };

export function RecomputeButton() {
  const t = useTranslations('recognition.queue');
  return (
    <ActionForm<Recomputed>
      action={recomputeAction}
      className="flex items-center gap-2"
      footerClassName="flex items-center gap-2"
      variant="secondary"
      submitLabel={t('recompute')}
      successMessage={(data) => t('recomputed', data)}
    />
  );
}

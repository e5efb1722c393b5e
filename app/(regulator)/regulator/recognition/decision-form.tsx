'use client';
import { useRef, useState } from 'react';
import { useTranslations } from 'next-intl';
import { ActionForm } from '@/app/_components/action-form';
import { Field, FilterSelect } from '@/app/_components/fields';
import { decideAction, recomputeAction } from './actions';

const ACTIONS = ['approve', 'reject', 'suspend', 'reinstate', 'revoke'] as const;
type Decided = { action: string; certificateNo: string | null; mark: string | null }[];

/** The bulk decision form: the server-rendered tables (with their checkboxes) are its children. */
export function DecisionForm({ children }: { children: React.ReactNode }) {
  const t = useTranslations('recognition.queue');
  // a decision needs a pair: the button waits for a ticked row rather than sending none and getting
  // back the schema's own words ("pairs: At least 1 items"). Counted from the server-rendered
  // checkboxes on every change, and again after an answer (which clears them)
  const rows = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(0);
  const count = () => setSelected(rows.current?.querySelectorAll('input[name="pairs"]:checked').length ?? 0);
  return (
    <ActionForm<Decided>
      action={decideAction}
      submitDisabled={selected === 0}
      onAnswer={count}
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
          <div ref={rows} onChange={count}>
            {children}
          </div>
          <fieldset className="card mt-6 grid gap-3 md:grid-cols-4" disabled={pending}>
            <legend className="px-1 text-sm font-semibold">{t('decision')}</legend>
            <FilterSelect id="decision-action" name="action" label={t('action')} value="approve" options={ACTIONS.map((a) => ({ value: a, label: t(`actions.${a}`) }))} />
            <div className="md:col-span-2">
              <Field id="decision-reason" name="reason" label={t('reason')} placeholder={t('reasonPlaceholder')} />
            </div>
            {/* a decision takes effect on the day it is made: a date field could only ever hold today */}
            <p className="self-end text-sm text-slate-600" data-testid="decision-effective">
              {t('effectiveToday')}
            </p>
          </fieldset>
          {selected === 0 && (
            <p className="mt-3 text-sm text-slate-600" data-testid="decision-select-first">
              {t('selectFirst')}
            </p>
          )}
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

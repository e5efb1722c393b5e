'use client';
// Small IQC forms bound to server actions, each on the shared ActionForm: resolve a corrective action,
// set a manufacturer target, establish targets from the baseline or a new lot's first 10 days, choose
// the rule set, correct a result.
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { ActionForm } from '@/app/_components/action-form';

type Action = (prev: unknown, form: FormData) => Promise<ActionState<unknown>>;

/** The props every small IQC form shares: the button row sits beside the fields, "Saved." on success. */
function useInline() {
  const t = useTranslations('iqc.forms');
  return { successMessage: t('saved'), footerClassName: 'flex flex-wrap items-center gap-3', variant: 'secondary' as const };
}

export function ResolveForm({ id, action, doneHref }: { id: number; action: Action; doneHref: string }) {
  const t = useTranslations('iqc.actions');
  return (
    <ActionForm
      action={action}
      id="resolve-form"
      className="card space-y-4"
      submitLabel={t('resolveSubmit')}
      outcome={({ state }) =>
        state.ok && (
          <div role="status" className="card border-green-200 bg-green-50 text-sm text-green-800" data-testid="resolve-done">
            {t('resolvedDone')}{' '}
            <a className="underline" href={doneHref}>
              {t('backToDashboard')}
            </a>
          </div>
        )
      }
    >
      <input type="hidden" name="id" value={id} />
      {(['cause', 'action', 'outcome'] as const).map((f) => (
        <div key={f}>
          <label className="label" htmlFor={f}>
            {t(f)}
          </label>
          <textarea id={f} name={f} rows={2} className="input" required maxLength={1000} />
        </div>
      ))}
    </ActionForm>
  );
}

export function TargetForm({ action, analytes, categoryCodes = [] }: { action: Action; analytes: { code: string; name: string }[]; categoryCodes?: string[] }) {
  const t = useTranslations('iqc.targets');
  const inline = useInline();
  return (
    <ActionForm action={action} className="card grid gap-3 sm:grid-cols-4" submitLabel={t('set')} {...inline} variant="primary" footerClassName="sm:col-span-4 space-y-3">
      <div>
        <label className="label" htmlFor="t-analyte">
          {t('analyte')}
        </label>
        <select id="t-analyte" name="analyte" className="input">
          {analytes.map((a) => (
            <option key={a.code} value={a.code}>
              {a.code} · {a.name}
            </option>
          ))}
        </select>
      </div>
      {(['level', 'lot', 'instrument', 'mean', 'sd'] as const).map((f) => (
        <div key={f}>
          <label className="label" htmlFor={`t-${f}`}>
            {t(f)}
          </label>
          <input id={`t-${f}`} name={f} className="input" inputMode={f === 'mean' || f === 'sd' ? 'decimal' : undefined} />
        </div>
      ))}
      {categoryCodes.length > 0 && (
        <div>
          <label className="label" htmlFor="t-expected">
            {t('expected')}
          </label>
          <input id="t-expected" name="expected" className="input" list="t-expected-codes" aria-describedby="t-expected-help" />
          <datalist id="t-expected-codes">
            {categoryCodes.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <p id="t-expected-help" className="mt-1 text-xs text-slate-500">
            {t('expectedHelp')}
          </p>
        </div>
      )}
      <div>
        <label className="label" htmlFor="t-effectiveFrom">
          {t('effectiveFrom')}
        </label>
        <input id="t-effectiveFrom" name="effectiveFrom" type="datetime-local" className="input" />
      </div>
      <div>
        <label className="label" htmlFor="t-expiresOn">
          {t('expiresOn')}
        </label>
        <input id="t-expiresOn" name="expiresOn" type="date" className="input" aria-describedby="t-expiresOn-help" />
        <p id="t-expiresOn-help" className="mt-1 text-xs text-slate-500">
          {t('expiresOnHelp')}
        </p>
      </div>
      <div className="sm:col-span-2">
        <label className="label" htmlFor="t-reason">
          {t('reason')}
        </label>
        <input id="t-reason" name="reason" className="input" maxLength={500} />
      </div>
    </ActionForm>
  );
}

/** A lot's expiry day: set, changed (with a reason) or cleared, folded under the day it shows. */
export function LotExpiryForm({ action, controlLotId, expiresOn, lot }: { action: Action; controlLotId: number; expiresOn: string | null; lot: string }) {
  const t = useTranslations('iqc.targets');
  const id = `expiry-${controlLotId}`;
  return (
    <details data-testid={id}>
      <summary className="cursor-pointer text-xs text-sky-700">{expiresOn ? t('expiryChange') : t('expirySet')}</summary>
      <ActionForm action={action} className="mt-1 space-y-1" submitLabel={t('expirySave')} {...useInline()} footerClassName="inline-flex flex-wrap items-center gap-2">
        <input type="hidden" name="controlLotId" value={controlLotId} />
        <label className="sr-only" htmlFor={`${id}-day`}>
          {t('expiresOnOf', { lot })}
        </label>
        <input id={`${id}-day`} name="expiresOn" type="date" className="input" defaultValue={expiresOn ?? ''} />
        <label className="sr-only" htmlFor={`${id}-reason`}>
          {t('reason')}
        </label>
        <input id={`${id}-reason`} name="reason" className="input" maxLength={500} placeholder={t('reason')} />
      </ActionForm>
    </details>
  );
}

/** Establish a lot's targets from its baseline (`baseline`) or freeze a new lot's provisional targets
 *  (10-day mean, the previous lot's SD) (`newLot`). */
function LotButton({ action, controlLotId, label, testId }: { action: Action; controlLotId: number; label: string; testId?: string }) {
  return (
    <ActionForm action={action} className="inline" submitLabel={label} testId={testId} {...useInline()} footerClassName="inline-flex flex-wrap items-center gap-2">
      <input type="hidden" name="controlLotId" value={controlLotId} />
    </ActionForm>
  );
}

export function BaselineButton({ action, controlLotId }: { action: Action; controlLotId: number }) {
  const t = useTranslations('iqc.targets');
  return <LotButton action={action} controlLotId={controlLotId} label={t('baseline')} />;
}

/** Freeze a new lot's provisional targets (10-day mean, the previous lot's SD). */
export function NewLotButton({ action, controlLotId }: { action: Action; controlLotId: number }) {
  const t = useTranslations('iqc.targets');
  return <LotButton action={action} controlLotId={controlLotId} label={t('newLotButton')} testId={`new-lot-${controlLotId}`} />;
}

export function RulesForm({ action, analyte, current, all }: { action: Action; analyte: string; current: string[] | null; all: readonly string[] }) {
  const t = useTranslations('iqc.targets');
  return (
    <ActionForm action={action} className="flex flex-wrap items-center gap-2 text-xs" testId={`rules-form-${analyte}`} submitLabel={t('saveRules')} resetOnSuccess={false} {...useInline()}>
      <input type="hidden" name="analyte" value={analyte} />
      {all.map((r) => (
        <label key={r} className="inline-flex items-center gap-1">
          <input type="checkbox" name="rules" value={r} defaultChecked={current?.includes(r) ?? false} />
          {r}
        </label>
      ))}
      <input name="reason" className="input w-48 py-1 text-xs" maxLength={500} placeholder={t('rulesReason')} aria-label={t('rulesReason')} />
      <span className="text-slate-500">{current ? '' : t('defaultRules')}</span>
    </ActionForm>
  );
}

/** Correct a result: a number, or for a categorical item (`categories` given) a category with its signal. */
export function CorrectForm({ action, resultId, value, categories, signal }: { action: Action; resultId: number; value: number | string; categories?: string[]; signal?: number | null }) {
  const t = useTranslations('iqc.correct');
  return (
    <ActionForm action={action} className="flex flex-wrap items-end gap-2 text-sm" submitLabel={t('submit')} {...useInline()}>
      <input type="hidden" name="resultId" value={resultId} />
      <div>
        <label className="label" htmlFor={`cv-${resultId}`}>
          {t('value')}
        </label>
        {categories ? (
          <select id={`cv-${resultId}`} name="value" defaultValue={value} className="input w-32">
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <input id={`cv-${resultId}`} name="value" defaultValue={value} className="input w-28" inputMode="decimal" />
        )}
      </div>
      {categories && (
        <div>
          <label className="label" htmlFor={`cs-${resultId}`}>
            S/CO
          </label>
          <input id={`cs-${resultId}`} name="signal" defaultValue={signal ?? ''} className="input w-20" inputMode="decimal" />
        </div>
      )}
      <div>
        <label className="label" htmlFor={`cr-${resultId}`}>
          {t('reason')}
        </label>
        <input id={`cr-${resultId}`} name="reason" className="input w-64" maxLength={500} />
      </div>
    </ActionForm>
  );
}

'use client';
// Small IQC forms bound to server actions: resolve a corrective action, set a manufacturer target,
// establish targets from the baseline or a new lot's first 10 days, choose the rule set, correct a
// result.
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { localizeFieldError } from './error-text';
import { useErrorText } from '@/app/_components/error-text';

type Translate = (key: string, values?: Record<string, string>) => string;

type Action = (prev: unknown, form: FormData) => Promise<ActionState<unknown>>;

function Errors({ state }: { state: ActionState<unknown> | null }) {
  const t = useTranslations('iqc.forms');
  const te = useTranslations('iqc.errors');
  const errorText = useErrorText();
  if (!state) return null;
  if (state.ok) {
    return (
      <p role="status" className="text-sm text-green-700">
        {t('saved')}
      </p>
    );
  }
  return (
    <div role="alert" className="field-error">
      <p>{state.code === 'invalid' && state.errors?.length ? t('invalid') : errorText(state)}</p>
      {state.errors?.map((e, i) => {
        const l = localizeFieldError(te as unknown as Translate, te.has, errorText, e);
        return (
          <p key={i}>
            {l.field}: {l.message}
          </p>
        );
      })}
    </div>
  );
}

const fieldError = (state: ActionState<unknown> | null, field: string) => (state && !state.ok ? state.errors?.find((e) => e.field === field) : undefined);

/** The field's error in the reader's language. */
function useFieldError(state: ActionState<unknown> | null) {
  const errorText = useErrorText();
  return (field: string) => {
    const e = fieldError(state, field);
    return e === undefined ? undefined : errorText(e);
  };
}

export function ResolveForm({ id, action, doneHref }: { id: number; action: Action; doneHref: string }) {
  const t = useTranslations('iqc.actions');
  const [state, formAction, pending] = useActionState(action, null);
  const errorOf = useFieldError(state);
  if (state?.ok) {
    return (
      <div role="status" className="card border-green-200 bg-green-50 text-sm text-green-800" data-testid="resolve-done">
        {t('resolvedDone')}{' '}
        <a className="underline" href={doneHref}>
          {t('backToDashboard')}
        </a>
      </div>
    );
  }
  return (
    <form action={formAction} className="card space-y-4" id="resolve-form" noValidate>
      <input type="hidden" name="id" value={id} />
      {(['cause', 'action', 'outcome'] as const).map((f) => (
        <div key={f}>
          <label className="label" htmlFor={f}>
            {t(f)}
          </label>
          <textarea id={f} name={f} rows={2} className="input" required maxLength={1000} aria-invalid={!!fieldError(state, f)} />
          {errorOf(f) && <p className="field-error">{errorOf(f)}</p>}
        </div>
      ))}
      {state && !state.ok && !state.errors?.length && <Errors state={state} />}
      <button className="btn" type="submit" disabled={pending}>
        {t('resolveSubmit')}
      </button>
    </form>
  );
}

export function TargetForm({ action, analytes }: { action: Action; analytes: { code: string; name: string }[] }) {
  const t = useTranslations('iqc.targets');
  const [state, formAction, pending] = useActionState(action, null);
  const errorOf = useFieldError(state);
  return (
    <form action={formAction} className="card grid gap-3 sm:grid-cols-4" noValidate>
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
          <input id={`t-${f}`} name={f} className="input" inputMode={f === 'mean' || f === 'sd' ? 'decimal' : undefined} aria-invalid={!!fieldError(state, f)} />
          {errorOf(f) && <p className="field-error">{errorOf(f)}</p>}
        </div>
      ))}
      <div>
        <label className="label" htmlFor="t-effectiveFrom">
          {t('effectiveFrom')}
        </label>
        <input id="t-effectiveFrom" name="effectiveFrom" type="datetime-local" className="input" />
      </div>
      <div className="sm:col-span-2">
        <label className="label" htmlFor="t-reason">
          {t('reason')}
        </label>
        <input id="t-reason" name="reason" className="input" maxLength={500} />
      </div>
      <div className="sm:col-span-4 flex items-center gap-3">
        <button className="btn" type="submit" disabled={pending}>
          {t('set')}
        </button>
        <Errors state={state} />
      </div>
    </form>
  );
}

export function BaselineButton({ action, controlLotId }: { action: Action; controlLotId: number }) {
  const t = useTranslations('iqc.targets');
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="inline">
      <input type="hidden" name="controlLotId" value={controlLotId} />
      <button className="btn-secondary" type="submit" disabled={pending}>
        {t('baseline')}
      </button>
      <Errors state={state} />
    </form>
  );
}

/** Freeze a new lot's provisional targets (10-day mean, the previous lot's SD). */
export function NewLotButton({ action, controlLotId }: { action: Action; controlLotId: number }) {
  const t = useTranslations('iqc.targets');
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="inline">
      <input type="hidden" name="controlLotId" value={controlLotId} />
      <button className="btn-secondary" type="submit" disabled={pending} data-testid={`new-lot-${controlLotId}`}>
        {t('newLotButton')}
      </button>
      <Errors state={state} />
    </form>
  );
}

export function RulesForm({ action, analyte, current, all }: { action: Action; analyte: string; current: string[] | null; all: readonly string[] }) {
  const t = useTranslations('iqc.targets');
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2 text-xs" data-testid={`rules-form-${analyte}`}>
      <input type="hidden" name="analyte" value={analyte} />
      {all.map((r) => (
        <label key={r} className="inline-flex items-center gap-1">
          <input type="checkbox" name="rules" value={r} defaultChecked={current?.includes(r) ?? false} />
          {r}
        </label>
      ))}
      <input name="reason" className="input w-48 py-1 text-xs" maxLength={500} placeholder={t('rulesReason')} aria-label={t('rulesReason')} />
      <button className="btn-secondary" type="submit" disabled={pending}>
        {t('saveRules')}
      </button>
      <span className="text-slate-500">{current ? '' : t('defaultRules')}</span>
      <Errors state={state} />
    </form>
  );
}

export function CorrectForm({ action, resultId, value }: { action: Action; resultId: number; value: number }) {
  const t = useTranslations('iqc.correct');
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-2 text-sm">
      <input type="hidden" name="resultId" value={resultId} />
      <div>
        <label className="label" htmlFor={`cv-${resultId}`}>
          {t('value')}
        </label>
        <input id={`cv-${resultId}`} name="value" defaultValue={value} className="input w-28" inputMode="decimal" />
      </div>
      <div>
        <label className="label" htmlFor={`cr-${resultId}`}>
          {t('reason')}
        </label>
        <input id={`cr-${resultId}`} name="reason" className="input w-64" maxLength={500} />
      </div>
      <button className="btn-secondary" type="submit" disabled={pending}>
        {t('submit')}
      </button>
      <Errors state={state} />
    </form>
  );
}

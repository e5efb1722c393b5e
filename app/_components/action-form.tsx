'use client';
// The one form of the app, bound to a server action built on runAction (lib/actions.ts): pending
// state, the refusal in the reader's language (its kind, then its reason code's text via
// error-text.ts), the field errors (with their line for imports and the field's visible label), a
// success note, and a secret (temporary password or API token) when the action returns one: shown
// once, never stored in the page. Forms that show more of the answer (results, a preview, warnings
// with "save anyway") use `outcome` or render-prop children with the form's context, `resubmit` to
// send the last submission again with extra fields, and `onAnswer` to show it outside the form.
import { useActionState, useLayoutEffect, useRef, useState, useTransition } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import type { FieldError } from '@/lib/errors';
import { useErrorText } from '@/app/_components/error-text';

export type FormAction<T = unknown> = (prev: ActionState<T>, form: FormData) => Promise<ActionState<T>>;

/** What render-prop children and `outcome` see: the last answer, whether one is running, and a way to
 *  send the last submission again with extra fields (e.g. `{ confirm: '1' }` for "save anyway"). */
export interface FormContext<T = unknown> {
  state: ActionState<T>;
  pending: boolean;
  resubmit: (extra: Record<string, string>) => void;
}

const BUTTON = { primary: 'btn', secondary: 'btn-secondary', danger: 'btn-danger' } as const;

export function ActionForm<T = unknown>({
  action,
  submitLabel,
  children,
  successMessage,
  variant = 'primary',
  className = 'space-y-4',
  testId,
  confirm,
  id,
  label,
  outcome,
  pendingLabel,
  submitDisabled = false,
  submitId,
  submitClassName,
  resetOnSuccess = true,
  footerClassName = 'col-span-full space-y-3',
  onAnswer,
  errorSummary = true,
}: {
  action: FormAction<T>;
  submitLabel: string;
  /** the fields; a function of the form's context when they depend on the last answer */
  children?: React.ReactNode | ((ctx: FormContext<T>) => React.ReactNode);
  /** shown after success; a function of the action's result when it names what was made */
  successMessage?: string | ((data: T) => string);
  variant?: keyof typeof BUTTON;
  className?: string;
  testId?: string;
  /** a question asked before submitting (destructive actions) */
  confirm?: string;
  id?: string;
  /** the form's accessible name */
  label?: string;
  /** what the answer shows below the button (results, a preview, a "save anyway" button) */
  outcome?: (ctx: FormContext<T>) => React.ReactNode;
  /** the button's text while the action runs (default: "Working…") */
  pendingLabel?: string;
  submitDisabled?: boolean;
  submitId?: string;
  /** replaces the variant's button class (e.g. a full-width button) */
  submitClassName?: string;
  /** clear the fields after success (default); off when the answer asks to confirm what was typed */
  resetOnSuccess?: boolean;
  /** the class of the block holding the errors, the success note and the button */
  footerClassName?: string;
  /** told each answer, for a page that shows it outside the form (a preview, then a second form) */
  onAnswer?: (state: ActionState<T>) => void;
  /** open a refusal with its kind ("Please correct the fields below."); off when the reason says it all */
  errorSummary?: boolean;
}) {
  const t = useTranslations('admin.form');
  const [answer, formAction, actionPending] = useActionState<ActionState<T>, FormData>(action, { ok: false });
  // a field the browser cannot read (a date typed without its time, "1e" in a number field) is sent
  // as empty, which an optional field takes as "not given" (a target "in force from" now instead of
  // the day typed): refused here, by field, and nothing is sent
  const [unreadable, setUnreadable] = useState<ActionState<T> | null>(null);
  const state = unreadable ?? answer;
  const [transitionPending, startTransition] = useTransition();
  const pending = actionPending || transitionPending;
  const formRef = useRef<HTMLFormElement>(null);
  const lastRef = useRef<FormData | null>(null);
  const onAnswerRef = useRef(onAnswer);
  onAnswerRef.current = onAnswer;
  // the visible label of each field named in an error (inputs are `f-<name>` with a <label for>)
  const [labels, setLabels] = useState<Record<string, string>>({});
  // before paint: an answer never shows the fields' names first and their labels a moment later
  useLayoutEffect(() => {
    if (state.ok && resetOnSuccess) formRef.current?.reset();
    onAnswerRef.current?.(state);
    const found: Record<string, string> = {};
    // the fields named in errors are marked invalid until the next answer
    formRef.current?.querySelectorAll('[aria-invalid="true"]').forEach((el) => el.removeAttribute('aria-invalid'));
    for (const e of state.errors ?? []) {
      const input = formRef.current?.querySelector<HTMLInputElement>(`[name="${CSS.escape(e.field)}"]`);
      input?.setAttribute('aria-invalid', 'true');
      // the label inside this form (input.labels misses it where another form on the page holds the same id)
      const label = input?.id ? formRef.current?.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
      // a group of boxes sharing the name (a token's scopes) is named by its fieldset's legend, not its first box
      const group = input?.closest('fieldset');
      const legend = group && group.querySelectorAll(`[name="${CSS.escape(e.field)}"]`).length > 1 ? group.querySelector('legend') : null;
      const text = (legend ?? label ?? input?.labels?.[0])?.textContent?.replace(/\*\s*$/, '').trim();
      if (text) found[e.field] = text;
    }
    setLabels(found);
  }, [state, resetOnSuccess]);
  const resubmit = (extra: Record<string, string>) => {
    if (!lastRef.current) return;
    const data = new FormData();
    for (const [k, v] of lastRef.current.entries()) data.append(k, v);
    for (const [k, v] of Object.entries(extra)) data.set(k, v);
    startTransition(() => formAction(data));
  };
  const ctx: FormContext<T> = { state, pending, resubmit };
  const secret = state.ok ? (state.data as { secret?: string } | undefined)?.secret : undefined;
  return (
    <form
      ref={formRef}
      action={formAction}
      className={className}
      data-testid={testId}
      id={id}
      aria-label={label}
      noValidate
      onSubmit={(e) => {
        // submitted by hand so that a refused form keeps what was typed (a form action resets it)
        e.preventDefault();
        const bad = unreadableFields(e.currentTarget);
        setUnreadable(bad.length ? { ok: false, code: 'invalid', reason: 'common.invalid', message: 'Invalid input', errors: bad } : null);
        if (bad.length) return;
        if (confirm && !window.confirm(confirm)) return;
        const data = new FormData(e.currentTarget, (e.nativeEvent as SubmitEvent).submitter);
        lastRef.current = data;
        startTransition(() => formAction(data));
      }}
    >
      {typeof children === 'function' ? children(ctx) : children}
      <div className={footerClassName}>
        <FormErrors state={state} labels={labels} summary={errorSummary} />
        {state.ok && successMessage && !secret && (
          <p role="status" className="text-sm text-green-700">
            {typeof successMessage === 'function' ? successMessage(state.data as T) : successMessage}
          </p>
        )}
        {secret && (
          <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="secret">
            <p className="font-medium text-amber-900">{t('secretOnce')}</p>
            <code className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-slate-900" data-testid="secret-value">
              {secret}
            </code>
          </div>
        )}
        <button type="submit" id={submitId} disabled={pending || submitDisabled} className={submitClassName ?? BUTTON[variant]}>
          {pending ? (pendingLabel ?? t('working')) : submitLabel}
        </button>
        {outcome?.(ctx)}
      </div>
    </form>
  );
}

/** The form's inputs holding text the browser could not read as their type (`validity.badInput`:
 * the value it would send is empty), each as a field error in the words of its type. */
function unreadableFields(form: HTMLFormElement): FieldError[] {
  const out: FieldError[] = [];
  for (const el of Array.from(form.elements)) {
    if (!(el instanceof HTMLInputElement) || !el.name || !el.validity.badInput) continue;
    // shown through its code in the reader's language; the message is the fallback
    out.push(el.type === 'number' ? { field: el.name, code: 'value.notNumber', message: 'Not a number' } : { field: el.name, code: 'value.notDateOrDateTime', message: 'Not a date or a date and time' });
  }
  return out;
}

/** A refused action's summary, reason and field errors (nothing when the state is not a refusal). */
export function FormErrors({ state, labels = {}, summary = true }: { state: ActionState<unknown>; labels?: Record<string, string>; summary?: boolean }) {
  const t = useTranslations('admin.form');
  const text = useErrorText();
  if (state.ok || !state.code) return null;
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      {summary && <p className="font-medium">{t(`errors.${state.code}`)}</p>}
      {(!summary || state.code !== 'invalid') && (state.reason || state.message) && <p className={summary ? 'mt-1' : undefined}>{text(state)}</p>}
      {!!state.errors?.length && (
        <ul className="mt-1 list-disc pl-5">
          {state.errors.slice(0, 50).map((e, i) => (
            <li key={i}>
              {e.row !== undefined && `${t('line', { line: e.row })} · `}
              {labels[e.field] ? <span className="font-medium">{labels[e.field]}</span> : <span className="font-mono">{e.field}</span>}: {text(e)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

'use client';
// The one form of the app, bound to a server action built on runAction (lib/actions.ts): pending
// state, the refusal in the reader's language (its kind, then its reason code's text via
// error-text.ts), the field errors (with their line for imports and the field's visible label), a
// success note, and a secret (temporary password or API token) when the action returns one: shown
// once, never stored in the page.
import { useActionState, useEffect, useRef, useState, useTransition } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { useErrorText } from '@/app/_components/error-text';

export type FormAction = (prev: ActionState, form: FormData) => Promise<ActionState>;

const BUTTON = { primary: 'btn', secondary: 'btn-secondary', danger: 'btn-danger' } as const;

export function ActionForm({
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
}: {
  action: FormAction;
  submitLabel: string;
  children?: React.ReactNode;
  /** shown after success; a function of the action's result when it names what was made */
  successMessage?: string | ((data: unknown) => string);
  variant?: keyof typeof BUTTON;
  className?: string;
  testId?: string;
  /** a question asked before submitting (destructive actions) */
  confirm?: string;
  id?: string;
  /** the form's accessible name */
  label?: string;
}) {
  const t = useTranslations('admin.form');
  const [state, formAction, actionPending] = useActionState<ActionState, FormData>(action, { ok: false });
  const [transitionPending, startTransition] = useTransition();
  const pending = actionPending || transitionPending;
  const formRef = useRef<HTMLFormElement>(null);
  // the visible label of each field named in an error (inputs are `f-<name>` with a <label for>)
  const [labels, setLabels] = useState<Record<string, string>>({});
  useEffect(() => {
    if (state.ok) formRef.current?.reset();
    const found: Record<string, string> = {};
    for (const e of state.errors ?? []) {
      const input = formRef.current?.querySelector<HTMLInputElement>(`[name="${CSS.escape(e.field)}"]`);
      const text = input?.labels?.[0]?.textContent?.replace(/\*\s*$/, '').trim();
      if (text) found[e.field] = text;
    }
    setLabels(found);
  }, [state]);
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
        if (confirm && !window.confirm(confirm)) return;
        const data = new FormData(e.currentTarget, (e.nativeEvent as SubmitEvent).submitter);
        startTransition(() => formAction(data));
      }}
    >
      {children}
      <div className="col-span-full space-y-3">
        <FormErrors state={state} labels={labels} />
        {state.ok && successMessage && !secret && (
          <p role="status" className="text-sm text-green-700">
            {typeof successMessage === 'function' ? successMessage(state.data) : successMessage}
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
        <button type="submit" disabled={pending} className={BUTTON[variant]}>
          {pending ? t('working') : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** A refused action's summary, reason and field errors (nothing when the state is not a refusal). */
export function FormErrors({ state, labels = {} }: { state: ActionState<unknown>; labels?: Record<string, string> }) {
  const t = useTranslations('admin.form');
  const text = useErrorText();
  if (state.ok || !state.code) return null;
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      <p className="font-medium">{t(`errors.${state.code}`)}</p>
      {state.code !== 'invalid' && (state.reason || state.message) && <p className="mt-1">{text(state)}</p>}
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

'use client';
// A form bound to a server action built on runAction: shows a localized summary of the refusal, the
// field errors (with their line for imports), a success note, and a secret (temporary password or API
// token) when the action returns one: shown once, never stored in the page.
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';

export type FormAction = (prev: ActionState, form: FormData) => Promise<ActionState>;

export function ActionForm({
  action,
  submitLabel,
  children,
  successMessage,
  variant = 'primary',
  className = 'space-y-4',
  testId,
  confirm,
}: {
  action: FormAction;
  submitLabel: string;
  children?: React.ReactNode;
  successMessage?: string;
  variant?: 'primary' | 'secondary' | 'danger';
  className?: string;
  testId?: string;
  /** a question asked before submitting (destructive actions) */
  confirm?: string;
}) {
  const t = useTranslations('admin.form');
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, { ok: false });
  const secret = state.ok ? (state.data as { secret?: string } | undefined)?.secret : undefined;
  return (
    <form
      action={formAction}
      className={className}
      data-testid={testId}
      noValidate
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault();
      }}
    >
      {children}
      <div className="col-span-full space-y-3">
      {!state.ok && state.code && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          <p className="font-medium">{t(`errors.${state.code}`)}</p>
          {state.message && state.code !== 'invalid' && <p className="mt-1">{state.message}</p>}
          {!!state.errors?.length && (
            <ul className="mt-1 list-disc pl-5">
              {state.errors.map((e, i) => (
                <li key={i}>
                  {e.row !== undefined && `${t('line', { line: e.row })} · `}
                  <span className="font-mono">{e.field}</span>: {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {state.ok && successMessage && !secret && (
        <p role="status" className="text-sm text-green-700">
          {successMessage}
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
      <button type="submit" disabled={pending} className={variant === 'danger' ? 'btn-danger' : variant === 'secondary' ? 'btn-secondary' : 'btn'}>
        {pending ? t('working') : submitLabel}
      </button>
      </div>
    </form>
  );
}

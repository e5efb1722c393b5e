'use client';
import { useActionState, useTransition } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { useServiceMessage } from '@/app/_components/service-message';

/** A form bound to a server action (built on runAction): shows pending state, field errors and success. */
export function EqaActionForm({
  action,
  children,
  submitLabel,
  successMessage,
  testId,
  variant = 'primary',
  className,
}: {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  children?: React.ReactNode;
  submitLabel: string;
  successMessage?: string;
  testId?: string;
  variant?: 'primary' | 'secondary' | 'danger';
  className?: string;
}) {
  const t = useTranslations('eqa.form');
  const [state, dispatch] = useActionState(action, { ok: false } as ActionState);
  const [pending, startTransition] = useTransition();
  return (
    <form
      data-testid={testId}
      className={className ?? 'space-y-3'}
      onSubmit={(e) => {
        e.preventDefault();
        const fd = new FormData(e.currentTarget);
        startTransition(() => dispatch(fd));
      }}
    >
      {children}
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className={variant === 'primary' ? 'btn' : variant === 'danger' ? 'btn-danger' : 'btn-secondary'} disabled={pending}>
          {pending ? t('working') : submitLabel}
        </button>
        {state.ok && successMessage && (
          <span role="status" className="text-sm text-green-700">
            {successMessage}
          </span>
        )}
      </div>
      <FormErrors state={state} />
    </form>
  );
}

export function FormErrors({ state }: { state: ActionState<unknown> }) {
  const t = useTranslations('eqa.form');
  const serviceMessage = useServiceMessage();
  if (state.ok || !state.code) return null;
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      <p className="font-medium">{state.message ? serviceMessage(state.message) : t('failed')}</p>
      {state.errors && state.errors.length > 0 && (
        <ul className="mt-1 list-disc pl-5">
          {state.errors.slice(0, 50).map((e, i) => (
            <li key={i}>
              {e.row !== undefined ? t('rowField', { row: e.row, field: e.field }) : e.field}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// The one wrapper for server actions: read the actor, run the service, map AppError to form state.
// Server-action files export only functions built with it, so every endpoint is checked the same way.
import { currentActor } from './auth';
import type { Actor } from './auth/actor';
import { type AppErrorCode, type ErrorParams, type ErrorReason, type FieldError } from './errors';
import { actionRefusal } from './action-refusal';
import { getDb } from '@/db/client';
import { auditRefusal } from './services/audit';

export interface ActionState<T = unknown> {
  ok: boolean;
  /** the kind of refusal (decides the summary: invalid input, not allowed, …) */
  code?: AppErrorCode;
  /** why, as a reason code: show it with app/_components/error-text.ts (`t('errors.' + reason, params)`) */
  reason?: ErrorReason;
  params?: ErrorParams;
  /** the English sentence, for logs and as a fallback */
  message?: string;
  errors?: FieldError[];
  data?: T;
}

export const initialActionState: ActionState = { ok: false };

export async function runAction<T>(fn: (actor: Actor) => T | Promise<T>): Promise<ActionState<T>> {
  const actor = await currentActor();
  if (!actor) return { ok: false, code: 'unauthenticated', reason: 'auth.signInRequired', message: 'Sign in required' };
  // a temporary password must be replaced before anything else (app/account/password)
  if (actor.mustChangePassword) return { ok: false, code: 'forbidden', reason: 'auth.changePasswordFirst', message: 'Change your temporary password first' };
  try {
    return { ok: true, data: await fn(actor) };
  } catch (thrown) {
    const refusal = actionRefusal(thrown);
    if (!refusal) throw thrown;
    const e = refusal.error;
    // what was refused and why, item by item (a bulk decision's pairs as lab id:item id), so the row
    // answers "who tried what" and not only "something was refused"
    if (e?.code === 'forbidden') await auditRefusal(getDb(), actor, { action: 'server action', reason: e.reason, message: e.message.slice(0, 200), ...(e.errors.length ? { refused: e.errors.slice(0, 20).map((f) => ({ field: f.field, code: f.code })), refusedCount: e.errors.length } : {}) });
    return refusal.state;
  }
}

/**
 * The form a server action was called with. The framework passes whatever the request encodes, and a
 * crafted call can encode a string, a number or null where the page's form sends FormData: that reads
 * as an empty form, whose missing fields the service refuses as invalid input (else a TypeError, a 500).
 */
export function formOf(form: unknown): FormData {
  return form instanceof FormData ? form : new FormData();
}

/** FormData → plain object (repeated keys become arrays), for zod to coerce. */
export function formObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of formOf(form).entries()) {
    if (k.startsWith('$ACTION')) continue;
    const value = typeof v === 'string' ? v : v;
    if (k in out) out[k] = ([] as unknown[]).concat(out[k], value);
    else out[k] = value;
  }
  return out;
}

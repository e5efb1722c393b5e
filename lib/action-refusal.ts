// What a server action's form is answered when its use case throws (lib/actions.ts runAction), apart
// from next-auth so that tests judge odd input by the same rule.
import { ZodError } from 'zod';
import { AppError, databaseBusy, isAppError, unstorableText } from './errors';
import type { ActionState } from './actions';
import { zodFieldErrors } from './validation/errors';

/** What a form is answered when its use case throws: the refusal (and the AppError it came from), or
 * null for a fault (rethrown: a 500). A database that stayed busy (nothing written, try again) and
 * text the database cannot store (a NUL character: bad input, as the JSON API refuses it) are refusals. */
export function actionRefusal(thrown: unknown): { state: ActionState<never>; error?: AppError } | null {
  const e = databaseBusy(thrown) ?? unstorableText(thrown) ?? thrown;
  if (isAppError(e)) return { error: e, state: { ok: false, code: e.code, reason: e.reason, ...(Object.keys(e.params).length ? { params: e.params } : {}), message: e.message, errors: e.errors } };
  if (e instanceof ZodError) return { state: { ok: false, code: 'invalid', reason: 'common.invalid', message: 'Invalid input', errors: zodFieldErrors(e) } };
  return null;
}

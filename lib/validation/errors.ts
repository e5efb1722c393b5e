import type { ZodError } from 'zod';
import { englishText, zodIssueError, type ErrorParams, type ErrorReason, type FieldError, type ZodIssueLike } from '@/lib/errors';

/** zod issues as LabQC field errors (optionally for one input row), each with a code chosen by the
 * issue's code (lib/errors.ts zodIssueError), never by its English text. */
export function zodFieldErrors(error: ZodError, row?: number): FieldError[] {
  return error.issues.map((i) => {
    const e = zodIssueError(i as unknown as ZodIssueLike, row);
    return row === undefined && e.field === '(body)' ? { ...e, field: '(row)' } : e;
  });
}

/**
 * The message and params of a custom zod issue or refinement that names its reason:
 * `.refine(ok, { path: ['to'], ...because('password.mismatch') })`, `ctx.addIssue({ code: 'custom', ...because('value.tooLong', { max }) })`.
 */
export function because(reason: ErrorReason, values: ErrorParams = {}): { message: string; params: { reason: ErrorReason; values: ErrorParams } } {
  return { message: englishText(reason, values), params: { reason, values } };
}

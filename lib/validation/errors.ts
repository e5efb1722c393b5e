import type { ZodError } from 'zod';
import { AppError, englishText, zodIssueError, type ErrorParams, type ErrorReason, type FieldError, type ZodIssueLike } from '@/lib/errors';

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

/**
 * Run a service for an API route and give a refusal's field errors back under the API's names
 * (`{ apiName: serviceName }`, e.g. lib/validation/eqa.ts SCHEME_API_NAMES): a client that sent
 * `minGroupSize` is told about `minGroupSize`, not the service's `minPeerGroupSize`. A field inside
 * one (`labCodes.2`) keeps its path (`labs.2`).
 */
export async function apiFieldNames<T>(names: Readonly<Record<string, string>>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof AppError) {
      const byService = Object.entries(names).map(([api, service]) => [service, api] as const);
      for (const fe of e.errors) {
        const hit = byService.find(([service]) => fe.field === service || fe.field.startsWith(`${service}.`));
        if (hit) fe.field = hit[1] + fe.field.slice(hit[0].length);
      }
    }
    throw e;
  }
}

import type { ZodError } from 'zod';
import type { FieldError } from '@/lib/errors';

/** zod issues as LabQC field errors (optionally for one input row). */
export function zodFieldErrors(error: ZodError, row?: number): FieldError[] {
  return error.issues.map((i) => ({ ...(row !== undefined ? { row } : {}), field: i.path.join('.') || '(row)', message: i.message }));
}

// The REASON cell of a batch check's row in the reader's language: a verification reason as the
// public /verify answer words it (recognition.reasons), or the check's refusal by its code (errors).
import type { BatchCheckRow } from '@/lib/services/hospital/batch-check';
import { errorText, type ErrorTranslator } from '@/app/_components/error-text';

/** The translator of `recognition.reasons` (loosely typed: a reason code is a plain string here). */
export interface ReasonTranslator {
  (key: never): string;
  has(key: never): boolean;
}

type Loose = { (key: string): string; has(key: string): boolean };

/** `reasons` is `useTranslations('recognition.reasons')`, `errors` is `useTranslations('errors')`. */
export function batchReasonText(r: Pick<BatchCheckRow, 'lab' | 'analyte' | 'date' | 'asOf' | 'reason' | 'error' | 'errorCode'>, reasons: ReasonTranslator, errors: ErrorTranslator): string {
  // a row keeps its refusal's code but not its params; the refusals of one check (lab.notFound,
  // analyte.notFound, verify.asOfBeforeDate) name only that check's own columns, so these fill them
  if (r.error !== null) return errorText(errors, { code: r.errorCode ?? undefined, params: { lab: r.lab, analyte: r.analyte, date: r.date, asOf: r.asOf }, error: r.error });
  const tr = reasons as unknown as Loose;
  return r.reason && tr.has(r.reason) ? tr(r.reason) : (r.reason ?? '');
}

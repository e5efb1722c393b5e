// The check the public verify pages run (the search page and a lab's page): the answer, or the
// refusal worded for the reader. Anything but a refusal of the check itself is thrown.
import type { DB } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { verifyRecognition, type VerifyAnswer } from '@/lib/services/recognition/verification';

type VerifyMessage = 'verify.asOfBeforeDate' | 'verify.invalidDate' | 'verify.notFound';

export async function checkForPage(
  db: DB,
  input: { lab: string; analyte: string; date?: string; asOf?: string },
  t: (key: VerifyMessage) => string,
): Promise<{ answer: VerifyAnswer | null; error: string | null }> {
  try {
    return { answer: await verifyRecognition(db, { lab: input.lab, analyte: input.analyte, date: input.date || undefined, asOf: input.asOf || undefined }), error: null };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { answer: null, error: t(messageFor(e)) };
  }
}

/** The reader's message for a refused check: a day that cannot be read is the date's fault; a lab or
 * test code too long or malformed to look up names nothing, as an unknown one does. */
export function messageFor(e: { reason: string; errors: readonly { field: string }[] }): VerifyMessage {
  if (e.reason === 'verify.asOfBeforeDate') return 'verify.asOfBeforeDate';
  return e.errors.some((f) => f.field === 'date' || f.field === 'asOf') ? 'verify.invalidDate' : 'verify.notFound';
}

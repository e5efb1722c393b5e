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
    return { answer: null, error: e.reason === 'verify.asOfBeforeDate' ? t('verify.asOfBeforeDate') : e.code === 'invalid' ? t('verify.invalidDate') : t('verify.notFound') };
  }
}

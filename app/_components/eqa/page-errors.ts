import { forbidden, notFound } from 'next/navigation';
import { isAppError } from '@/lib/errors';

/** Run a service read for a page: 403 and 404 become the app's pages; a conflict becomes a message. */
export async function pageRead<T>(fn: () => T | Promise<T>): Promise<{ data: T; conflict?: undefined } | { data?: undefined; conflict: string }> {
  try {
    return { data: await fn() };
  } catch (e) {
    if (isAppError(e)) {
      if (e.code === 'forbidden') forbidden();
      if (e.code === 'not_found') notFound();
      if (e.code === 'conflict') return { conflict: e.message };
    }
    throw e;
  }
}

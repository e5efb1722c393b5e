// The AppError a service call throws (the test fails when it returns or throws something else).
import { AppError } from '@/lib/errors';

export async function appError(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

/** The AppError an async call (a route handler) rejects with. */
export async function appErrorAsync(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

/** The messages of what `fn` rejects with and of its causes (a driver error wrapped by drizzle), joined. */
export async function errorText(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    const parts: string[] = [];
    for (let x = e as { message?: string; cause?: unknown } | undefined, i = 0; x && i < 5; x = x.cause as typeof x, i++) parts.push(String(x.message ?? x));
    return parts.join(' | ');
  }
  throw new Error('expected a rejection');
}

// The AppError a service call throws (the test fails when it returns or throws something else).
import { AppError } from '@/lib/errors';

export function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

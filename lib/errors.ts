// One error type for every use case; route handlers and server actions map it once (lib/http.ts,
// lib/actions.ts) to an HTTP status or a form state.

export type AppErrorCode = 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'invalid' | 'too_large';

export interface FieldError {
  /** 1-based line of the input (CSV line including the header, or array index + 1 for JSON). */
  row?: number;
  field: string;
  message: string;
}

const STATUS: Record<AppErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  invalid: 422,
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly errors: FieldError[];

  constructor(code: AppErrorCode, message: string, errors: FieldError[] = []) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.errors = errors;
  }

  get status(): number {
    return STATUS[this.code];
  }

  static unauthenticated(message = 'Sign in required') {
    return new AppError('unauthenticated', message);
  }
  static forbidden(message = 'Not allowed') {
    return new AppError('forbidden', message);
  }
  static notFound(message = 'Not found') {
    return new AppError('not_found', message);
  }
  static conflict(message: string) {
    return new AppError('conflict', message);
  }
  static invalid(message: string, errors: FieldError[] = []) {
    return new AppError('invalid', message, errors);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The JSON error shape of the API for any thrown value (unexpected errors are logged, not shown). */
export function errorBody(e: unknown): { status: number; body: { error: string; errors?: unknown } } {
  if (e instanceof AppError) return { status: e.status, body: e.errors.length ? { error: e.message, errors: e.errors } : { error: e.message } };
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'ZodError') {
    const issues = (e as { issues: { path: PropertyKey[]; message: string }[] }).issues;
    return { status: 422, body: { error: 'Invalid input', errors: issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })) } };
  }
  console.error(e);
  return { status: 500, body: { error: 'Internal error' } };
}

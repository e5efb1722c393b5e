// One error type for every use case; route handlers and server actions map it once (lib/http.ts,
// lib/actions.ts) to an HTTP status or a form state.
//
// Every refusal carries a reason code (lib/error-reasons.ts: `round.notOpen`, `iqc.duplicateLevel`, …)
// and the values its sentence needs. The reason decides the kind, hence the HTTP status; its English
// sentence (the API's `error`) and its Chinese one both live in lib/i18n/messages/{en,zh}/errors.json,
// so the UI shows t('errors.' + code, params) and nothing parses English back.
import { REASONS, type ErrorReason } from './error-reasons';
import enErrors from './i18n/messages/en/errors.json';

export { REASONS, type ErrorReason } from './error-reasons';

export type AppErrorCode = 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'invalid' | 'too_large' | 'too_many' | 'unavailable';
/** The kind of a refusal: it decides the HTTP status. (Same values as AppErrorCode, its older name.) */
export type AppErrorKind = AppErrorCode;

/** Values interpolated into a reason's sentence (`{round}`, `{max}`, …). */
export type ErrorParams = Record<string, string | number>;

export interface FieldError {
  /** 1-based line of the input (CSV line including the header, or array index + 1 for JSON). */
  row?: number;
  field: string;
  /** the English sentence (the API's contract; shown when the reason is unknown to the reader) */
  message: string;
  /** reason code of the problem (lib/error-reasons.ts, a key of errors.json) for a localized text; the
   * registry import uses its own problem codes here (lib/services/registry.ts RegistryProblemCode) */
  code?: string;
  params?: ErrorParams;
}

const STATUS: Record<AppErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  invalid: 422,
  too_many: 429,
  unavailable: 503,
};

/** The generic reason of each kind, for refusals built the old way (a kind and an English sentence). */
const GENERIC: Record<AppErrorCode, ErrorReason> = {
  unauthenticated: 'auth.signInRequired',
  forbidden: 'auth.forbidden',
  not_found: 'common.notFound',
  conflict: 'common.conflict',
  too_large: 'common.tooLarge',
  invalid: 'common.invalid',
  too_many: 'auth.tooManySignIns',
  unavailable: 'common.busy',
};

/** The English sentence of a reason with its values filled in (the `error` of the API body). */
export function englishText(reason: ErrorReason, params: ErrorParams = {}): string {
  const template = lookup(enErrors, reason) ?? reason;
  return template.replace(/\{(\w+)\}/g, (all, name: string) => (name in params ? String(params[name]) : all));
}

function lookup(table: unknown, path: string): string | undefined {
  let at = table;
  for (const part of path.split('.')) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
  return typeof at === 'string' ? at : undefined;
}

export function isReason(v: unknown): v is ErrorReason {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(REASONS, v);
}

/** A field error with its reason code: `fieldError('value.required', {}, 'value', 3)`. */
export function fieldError(code: ErrorReason, params: ErrorParams, field: string, row?: number): FieldError {
  return { ...(row !== undefined ? { row } : {}), field, message: englishText(code, params), code, ...(Object.keys(params).length ? { params } : {}) };
}

export class AppError extends Error {
  /** the kind (HTTP status); kept under its old name `code` for existing callers */
  readonly code: AppErrorCode;
  /** why: one reason code per distinct user mistake or refusal (the API body's `code`) */
  readonly reason: ErrorReason;
  readonly params: ErrorParams;
  readonly errors: FieldError[];

  /** `new AppError('round.notOpen', { round: 'R-1', status: 'closed' })`: kind and English text from the reason. */
  constructor(reason: ErrorReason, params?: ErrorParams, errors?: FieldError[], kind?: AppErrorCode);
  /** @deprecated a kind and an English sentence: the reason is only the kind's generic one */
  constructor(kind: AppErrorCode, message: string, errors?: FieldError[]);
  constructor(reasonOrKind: ErrorReason | AppErrorCode, paramsOrMessage: ErrorParams | string = {}, errors: FieldError[] = [], kind?: AppErrorCode) {
    const legacy = typeof paramsOrMessage === 'string';
    const reason = legacy ? GENERIC[reasonOrKind as AppErrorCode] : (reasonOrKind as ErrorReason);
    const params = legacy ? {} : paramsOrMessage;
    super(legacy ? paramsOrMessage : englishText(reason, params));
    this.name = 'AppError';
    // `kind` overrides the reason's own kind only where the status depends on the case (a batch
    // takes the most serious refusal among its rows)
    this.code = legacy ? (reasonOrKind as AppErrorCode) : (kind ?? REASONS[reason]);
    this.reason = reason;
    this.params = params;
    this.errors = errors;
  }

  /** the kind (HTTP status class) of the refusal */
  get kind(): AppErrorKind {
    return this.code;
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

/** The API's error body: `error` is the English sentence, `code` the reason code, `errors` the field errors. */
export interface ErrorBody {
  error: string;
  code: string;
  errors?: FieldError[];
}

/** The JSON error shape of the API for any thrown value (unexpected errors are logged, not shown). */
export function errorBody(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof AppError) return { status: e.status, body: e.errors.length ? { error: e.message, code: e.reason, errors: e.errors } : { error: e.message, code: e.reason } };
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'ZodError') {
    const issues = (e as { issues: ZodIssueLike[] }).issues;
    return { status: 422, body: { error: 'Invalid input', code: 'common.invalid', errors: issues.map((i) => zodIssueError(i)) } };
  }
  const text = unstorableText(e);
  if (text) return errorBody(text);
  const busy = busyCode(e);
  if (busy) {
    console.warn(`[labqc] answered 503: the database stayed busy (${busy})`);
    return errorBody(new AppError('common.busy'));
  }
  console.error(e);
  return { status: 500, body: { error: 'Internal error', code: 'internal' } };
}

/**
 * The database's refusal of text it cannot store, wherever in the error's causes: a NUL character
 * (U+0000; SQLSTATE 22021 in text, 22P05 in JSON). PostgreSQL refuses it; LabQC's SQLite handle refuses
 * it with the same code (db/nul-text.ts). Bad input, not a fault: answered as such (422, nothing
 * written: the transaction is rolled back). No LabQC input needs one, and the public reads never send
 * one (db/queries/public.ts, db/pg/public.ts).
 */
export function unstorableText(e: unknown): AppError | null {
  return codeInCauses(e, (code) => code === '22021' || code === '22P05') ? new AppError('request.unstorableText') : null;
}

/** The first database error code of `e` or its causes (a driver's error wrapped by drizzle) that
 * `accepts` takes. */
function codeInCauses(e: unknown, accepts: (code: string) => boolean): string | null {
  let c: unknown = e;
  for (let depth = 0; c && typeof c === 'object' && depth < 5; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && accepts(code)) return code;
    c = (c as { cause?: unknown }).cause;
  }
  return null;
}

/** Seconds a client is asked to wait (`Retry-After`) after a 503 {@link databaseBusy} answer. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/** SQLite's write lock still taken after the wait (db/tx.ts), PostgreSQL's lock_timeout, a
 * serialization failure or deadlock still there after the retries, no connection slot left */
const BUSY_CODES = new Set(['55P03', '40001', '40P01', '53300']);

/**
 * The database's refusal because other work held it, wherever in the error's causes: the write was
 * not made (the transaction rolled back) and the same request can succeed a little later. Answered
 * 503 with Retry-After, so a LIS retries instead of treating it as a fault.
 */
export function databaseBusy(e: unknown): AppError | null {
  return busyCode(e) ? new AppError('common.busy') : null;
}

/** The code of a {@link databaseBusy} error (SQLITE_BUSY…, a SQLSTATE), wherever in the causes. */
export function busyCode(e: unknown): string | null {
  return codeInCauses(e, (code) => code.startsWith('SQLITE_BUSY') || BUSY_CODES.has(code));
}

/** The parts of a zod issue LabQC reads (zod v4's issue shapes). */
export interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  expected?: string;
  received?: string;
  format?: string;
  input?: unknown;
  params?: Record<string, unknown>;
}

/**
 * A zod issue as a field error whose code is chosen by the issue's code, never by its English text:
 * a custom issue may name its own reason (`params: { reason: 'password.mismatch' }`, see
 * lib/validation/errors.ts `because`); otherwise `zod.<issue code>` (too_small by string length or
 * number, invalid_type with "required" when the input is missing, …) with the bounds as params.
 */
export function zodIssueError(i: ZodIssueLike, row?: number): FieldError {
  const field = i.path.map(String).join('.') || (row !== undefined ? '(row)' : '(body)');
  const own = i.params?.reason;
  const base = { ...(row !== undefined ? { row } : {}), field, message: i.message };
  if (isReason(own)) {
    const params = (i.params?.values ?? {}) as ErrorParams;
    return { ...base, code: own, ...(Object.keys(params).length ? { params } : {}) };
  }
  const n = (v: number | bigint | undefined) => (v === undefined ? '' : Number(v));
  switch (i.code) {
    case 'invalid_type':
      // zod v4 keeps `received` only for NaN; a missing value and a wrong type are otherwise alike
      if (i.expected === 'number' || i.expected === 'int') return { ...base, ...(i.received === 'NaN' ? { code: 'zod.notNumber' } : { code: 'zod.expected', params: { expected: i.expected } }) };
      return { ...base, code: 'zod.expected', params: { expected: i.expected ?? '' } };
    case 'too_small':
      if (i.origin === 'string') return Number(i.minimum) <= 1 ? { ...base, code: 'zod.required' } : { ...base, code: 'zod.tooShort', params: { n: n(i.minimum) } };
      if (i.origin === 'array' || i.origin === 'set') return { ...base, code: 'zod.tooFew', params: { n: n(i.minimum) } };
      return { ...base, code: 'zod.tooSmall', params: { n: n(i.minimum) } };
    case 'too_big':
      if (i.origin === 'string') return { ...base, code: 'zod.tooLong', params: { n: n(i.maximum) } };
      if (i.origin === 'array' || i.origin === 'set') return { ...base, code: 'zod.tooMany', params: { n: n(i.maximum) } };
      return { ...base, code: 'zod.tooBig', params: { n: n(i.maximum) } };
    case 'invalid_format':
      return { ...base, code: i.format === 'email' ? 'zod.email' : 'zod.format' };
    case 'invalid_value':
      return { ...base, code: 'zod.option' };
    case 'not_multiple_of':
      return { ...base, code: 'zod.invalidType' };
    default:
      return { ...base, code: 'common.invalid' };
  }
}

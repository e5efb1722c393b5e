// SQLite stores a NUL character (U+0000) in text; PostgreSQL refuses any text parameter holding one
// (SQLSTATE 22021), for writes and reads alike. LabQC makes SQLite refuse it the same way, so an input
// gets the same answer on both backends (lib/errors.ts `unstorableText`: 422, nothing written) and no
// stored text holds a character that PostgreSQL could not take in (db/cli.ts copy-to-postgres).
import type Database from 'better-sqlite3';

/** PostgreSQL's SQLSTATE for the same refusal: one error for the app whichever backend runs. */
export const NUL_TEXT_SQLSTATE = '22021';

export class NulTextError extends Error {
  readonly code = NUL_TEXT_SQLSTATE;
  constructor() {
    super('invalid byte sequence: a text parameter holds a NUL character (0x00)');
    this.name = 'NulTextError';
  }
}

/** Whether a key holds NUL: it names no row on either backend, and neither can be asked about it. */
export const holdsNul = (text: string): boolean => text.includes('\0');

function paramHoldsNul(value: unknown): boolean {
  if (typeof value === 'string') return holdsNul(value);
  if (Array.isArray(value)) return value.some(paramHoldsNul);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value)) return Object.values(value).some(paramHoldsNul);
  return false;
}

const BINDING_METHODS = ['run', 'get', 'all', 'iterate', 'bind'] as const;

/** Make every statement `sqlite` prepares refuse parameters whose text holds NUL (before binding). */
export function refuseNulText(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const stmt = prepare(source) as unknown as Record<(typeof BINDING_METHODS)[number], (...params: unknown[]) => unknown>;
    for (const name of BINDING_METHODS) {
      const method = stmt[name];
      stmt[name] = function (this: unknown, ...params: unknown[]) {
        for (const p of params) if (paramHoldsNul(p)) throw new NulTextError();
        return method.apply(this, params);
      };
    }
    return stmt;
  }) as typeof sqlite.prepare;
}

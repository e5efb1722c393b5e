// Where a PostgreSQL part spends its database time (BENCH_PG_PROFILE=1 with `npm run bench -- --db
// postgres`): every promise-returning node-postgres query is timed from send to answer and summed per
// statement shape (its text up to the first parameter list, whitespace collapsed); COPY streams are
// timed as one "COPY <table>" entry. Printed as the top entries with their share of the part's wall time.
import pg from 'pg';

interface Entry {
  ms: number;
  calls: number;
}

function shape(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\$\d+/g, '?').slice(0, 110);
}

/** Start timing queries of this process; the returned function prints the top entries. */
export interface PgProfile {
  /** forget what was timed so far */
  reset(): void;
  /** print the top statements of what was timed since the last reset */
  report(label: string, wallMs: number, top?: number): void;
}

export function profilePgQueries(): PgProfile {
  const entries = new Map<string, Entry>();
  const add = (key: string, ms: number) => {
    const e = entries.get(key) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls += 1;
    entries.set(key, e);
  };
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string; submit?: unknown; on?: (e: string, f: () => void) => void };
    const t0 = performance.now();
    const text = typeof q === 'string' ? q : (q?.text ?? '?');
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      // the pool's query(text, values, callback)
      const cb = args[last] as (...r: unknown[]) => void;
      args[last] = (...r: unknown[]) => {
        add(shape(text), performance.now() - t0);
        cb(...r);
      };
    }
    const out = original.apply(this, args);
    if (typeof q === 'object' && q && typeof q.submit === 'function' && typeof q.on === 'function') {
      // a submittable stream (COPY FROM STDIN): timed to its end
      const key = shape(q.text ?? 'COPY (stream)').replace(/ \(.*/, '');
      q.on('finish', () => add(key, performance.now() - t0));
      return out;
    }
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      (out as Promise<unknown>).then(
        () => add(shape(text), performance.now() - t0),
        () => add(shape(text), performance.now() - t0),
      );
    }
    return out;
  };
  const report = (label: string, wallMs: number, top = 8) => {
    const list = [...entries].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
    const total = [...entries.values()].reduce((n, e) => n + e.ms, 0);
    console.log(`database time of ${label}: ${(total / 1000).toFixed(1)} s of ${(wallMs / 1000).toFixed(1)} s wall, by statement:`);
    for (const [k, e] of list) console.log(`  ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${String(e.calls).padStart(6)}×  ${k}`);
    entries.clear();
  };
  return { reset: () => entries.clear(), report };
}

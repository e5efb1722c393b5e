// Another process holding SQLite's write lock on a database file, as a job worker's import holds it:
// it takes the lock, then sleeps (taking no core from the test) until it commits and ends.
import { spawn } from 'node:child_process';

export interface HeldWriteLock {
  /** resolves with the holder's exit code once it committed and ended */
  released: Promise<number | null>;
}

/** Resolves once the lock is taken; it is held `ms` from then. */
export async function holdSqliteWriteLock(file: string, ms: number): Promise<HeldWriteLock> {
  const holder = spawn(process.execPath, [
    '-e',
    `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.exec('BEGIN IMMEDIATE'); console.log('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms}); d.exec('COMMIT'); d.close();`,
  ]);
  const released = new Promise<number | null>((resolve) => holder.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    holder.on('exit', (code) => reject(new Error(`the lock holder ended (${code}) before taking the lock`)));
  });
  return { released };
}

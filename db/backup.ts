// Online backup and offline restore of the SQLite database.
// - Backup uses SQLite's online backup API (better-sqlite3 `db.backup()`): it copies the database
//   page by page while the server keeps reading and writing, and the copy is one consistent snapshot.
//   The copy is checked (`PRAGMA integrity_check`) and readable by the owner only.
// - Restore replaces the database with a checked backup while no server uses it: the production
//   server keeps `<database>.pid` while it runs (lib/server/main.ts), and restore refuses while that
//   process is alive, or while any other connection has the database open (databaseInUse). The old
//   -wal/-shm files are removed before the copy is moved into place, so no stale write-ahead log is
//   ever applied to the restored file.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { DB_FILE_MODE, secureDatabaseFile, type DB } from './client';
import { AppError } from '@/lib/errors';
import { isSqliteBusy } from './tx';

/** The pid file the production server keeps beside the database while it runs. */
export const serverPidFile = (dbFile: string) => `${dbFile}.pid`;

/** The pid of a live server using `dbFile`, or null (a pid file left by a killed server is ignored). */
export function serverHoldingDatabase(dbFile: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(serverPidFile(dbFile), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * Whether another connection has `dbFile` open (a server whose pid file is gone or was never
 * written, a script, the sqlite3 shell): a database leaves WAL mode only when no other connection
 * has it open, so SQLite refuses that while anyone does (SQLITE_BUSY). Tried and put back at once.
 */
export function databaseInUse(dbFile: string): boolean {
  if (!fs.existsSync(dbFile)) return false;
  let db: Database.Database;
  try {
    db = new Database(dbFile, { fileMustExist: true, timeout: 0 });
  } catch {
    return false;
  }
  try {
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') return false;
    db.pragma('journal_mode = DELETE');
    db.pragma('journal_mode = WAL');
    return false;
  } catch (e) {
    // not a database (what a restore is for) is not in use
    return isSqliteBusy(e);
  } finally {
    db.close();
  }
}

/** Record this process as the server of `dbFile`; the file is removed on a normal exit. */
export function claimDatabase(dbFile: string): void {
  const file = serverPidFile(dbFile);
  fs.writeFileSync(file, String(process.pid), { mode: DB_FILE_MODE });
  process.on('exit', () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
    } catch {
      // already gone
    }
  });
}

function checkIntegrity(file: string): void {
  // opened read-write (nothing is written) so that closing it removes the -wal/-shm files it created
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    if (rows.length !== 1 || rows[0].integrity_check !== 'ok') throw AppError.invalid(`${file} is damaged: ${rows.map((r) => r.integrity_check).slice(0, 3).join('; ')}`);
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get()) throw AppError.invalid(`${file} is not a LabQC database`);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw AppError.invalid(`${file} is not a readable SQLite database: ${(e as Error).message}`);
  } finally {
    db.close();
  }
}

/** Copy the live database to `target` (refuses an existing file), then check the copy. */
export async function backupDatabase(db: DB, target: string): Promise<{ file: string; pages: number }> {
  const file = path.resolve(target);
  if (fs.existsSync(file)) throw AppError.conflict(`${file} already exists`);
  const tmp = `${file}.partial`;
  fs.rmSync(tmp, { force: true });
  secureDatabaseFile(tmp); // the folder, and the copy created 0600 before SQLite writes into it
  // all pages in one step, inside one read snapshot: a step-by-step copy restarts whenever another
  // connection (the running server) writes between steps, and might never finish on a busy server
  const { totalPages } = await db.$client.backup(tmp, { progress: () => 0x7fffffff });
  checkIntegrity(tmp);
  fs.renameSync(tmp, file);
  return { file, pages: totalPages };
}

/** Replace `dbFile` with a checked copy of `backupFile` (the server must be stopped). */
export async function restoreDatabase(backupFile: string, dbFile: string): Promise<void> {
  if (!fs.existsSync(backupFile)) throw AppError.notFound(`${backupFile} does not exist`);
  checkIntegrity(backupFile);
  const tmp = `${dbFile}.restoring`;
  fs.rmSync(tmp, { force: true });
  secureDatabaseFile(tmp);
  const source = new Database(backupFile, { fileMustExist: true });
  try {
    await source.backup(tmp);
  } finally {
    source.close();
  }
  checkIntegrity(tmp);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(dbFile + suffix, { force: true });
  fs.renameSync(tmp, dbFile);
  fs.chmodSync(dbFile, DB_FILE_MODE);
}

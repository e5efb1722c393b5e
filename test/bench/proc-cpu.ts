// CPU time of processes from /proc (Linux): on the shared machine rates measure the neighbours too,
// CPU per result or request does not. USER_HZ, the unit of utime and stime, is 100 on every Linux
// this runs on (sysconf(_SC_CLK_TCK) is not reachable from Node).
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { rawAll } from '@/db/dialect';

const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) a process has used so far; null when it cannot be read
 * (gone, another host, another user's). */
export function cpuSecondsOf(pid: number | undefined): number | null {
  try {
    // the fields after the command's closing parenthesis, from the 3rd (state): utime is the 14th, stime the 15th
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds by pid of the PostgreSQL server's processes: the sessions of the bench's database
 * (`database`, the querying one left out) or every backend and helper (`server`); null when the
 * server does not run on this machine. `cpuSince(before, now)` is the CPU between two readings (a
 * process started since counts whole). */
export async function pgCpu(db: unknown, scope: 'database' | 'server'): Promise<Map<number, number> | null> {
  // on this machine: reached by a Unix socket (no server address) or the loopback interface
  const [{ addr }] = await rawAll<{ addr: string | null }>(db, sql`SELECT host(inet_server_addr()) AS addr`);
  if (addr !== null && addr !== '127.0.0.1' && addr !== '::1') return null;
  const pids = await rawAll<{ pid: number }>(
    db,
    scope === 'database' ? sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()` : sql`SELECT pid FROM pg_stat_activity`,
  );
  const out = new Map<number, number>();
  for (const { pid } of pids) {
    // a session that ended since pg_stat_activity listed it is left out
    const s = cpuSecondsOf(Number(pid));
    if (s !== null) out.set(Number(pid), s);
  }
  return out;
}

export function cpuSince(before: Map<number, number> | null, now: Map<number, number> | null): number | null {
  if (!before || !now) return null;
  let s = 0;
  for (const [pid, t] of now) s += t - (before.get(pid) ?? 0);
  return s;
}

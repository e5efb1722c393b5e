// The backend choice (issue 14): DATABASE_URL=postgres://... selects PostgreSQL; otherwise SQLite
// at DATABASE_PATH. Kept free of imports so the SQLite path loads nothing of PostgreSQL.

/** True for a postgres:// or postgresql:// URL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

/** The connection string shown in logs, without its user and password. */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/** DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of read replicas (db/replicas.ts), [] when
 * unset or blank; anything that is not a postgres:// URL is refused (a start-up error, by getDb()). */
export function replicaUrlsFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  const urls = (env.DATABASE_REPLICA_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of urls) {
    const shown = u.replace(/\/\/[^@/]*@/, '//…@'); // no password in the message
    if (!isPostgresUrl(u)) throw new Error(`DATABASE_REPLICA_URLS: "${shown}" is not a postgres:// URL`);
  }
  return urls;
}

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

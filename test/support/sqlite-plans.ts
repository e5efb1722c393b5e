// SQLite's plans of the statements a read prepares: which index each table is read by.
import type { DB } from '@/db/client';

/** SQLite's plans (EXPLAIN QUERY PLAN, every parameter 1) of the statements `read` prepares on `db`
 * whose text matches `pattern`, one list of plan lines per statement. */
export async function sqlitePlans(db: DB, pattern: RegExp, read: () => Promise<unknown>): Promise<string[][]> {
  const client = db.$client as unknown as { prepare: (s: string) => unknown };
  const orig = client.prepare.bind(client);
  const texts: string[] = [];
  client.prepare = (q: string) => (pattern.test(q) && texts.push(q), orig(q));
  try {
    await read();
  } finally {
    client.prepare = orig;
  }
  return texts.map((text) => {
    const named = [...new Set([...text.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((m) => m[1]))];
    const st = db.$client.prepare(`EXPLAIN QUERY PLAN ${text}`);
    const rows = (named.length ? st.all(Object.fromEntries(named.map((k) => [k, 1]))) : st.all(...Array.from({ length: (text.match(/\?/g) ?? []).length }, () => 1))) as { detail: string }[];
    return rows.map((r) => r.detail);
  });
}

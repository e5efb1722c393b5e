// Counts the statements a call sends to the database, for tests that pin round trips: on PostgreSQL
// what node-postgres' Client#query is given, on SQLite what is prepared on the test's connection.
import { Client } from 'pg';
import type { DB } from '@/db/client';

type Prepares = { prepare: (text: string) => unknown };

/** Runs `call`, pushing into `into` the text of every statement it sends to `db`'s backend. */
export async function countingStatements<T>(db: DB, into: string[], call: () => Promise<T>): Promise<T> {
  const client = (db as unknown as { $client?: Prepares }).$client;
  if (client && typeof client.prepare === 'function') {
    const prepare = client.prepare;
    client.prepare = (text: string) => (into.push(text), prepare.call(client, text));
    try {
      return await call();
    } finally {
      client.prepare = prepare;
    }
  }
  const query = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const q = args[0] as string | { text: string };
    into.push(typeof q === 'string' ? q : q.text);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  try {
    return await call();
  } finally {
    Client.prototype.query = query;
  }
}

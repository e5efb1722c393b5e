// The floor under the IQC ingest on PostgreSQL: the database server's own CPU to store the rows an
// ingest leaves (results, runs, violations and the daily rows), with no app at all. The tables' rows
// are read out by COPY TO (binary), the tables emptied in a transaction, the rows COPY'd back in and
// the transaction rolled back, so the world is as it was. What the server spends there, an ingest
// spends whatever the app does; the rest of an ingest's server CPU is its reads and statements.
import type pg from 'pg';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { cpuSince, pgCpu } from './proc-cpu';

/** The tables an IQC ingest writes rows into (the audit log and corrective actions are a few rows an import). */
export const INGEST_TABLES = ['iqc_results', 'iqc_runs', 'iqc_violations', 'iqc_daily_lots', 'iqc_daily_series', 'iqc_daily_pairs'] as const;

export interface FloorRun {
  /** results stored, the unit of the figures */
  results: number;
  /** server CPU seconds per table, null where the server's processes cannot be read from here */
  serverS: Map<(typeof INGEST_TABLES)[number], number | null>;
}

async function copyOut(client: pg.PoolClient, table: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    client.query(copyTo(`COPY (SELECT * FROM ${table}) TO STDOUT (FORMAT binary)`)),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(chunks);
}

async function copyIn(client: pg.PoolClient, table: string, data: Buffer): Promise<void> {
  await pipeline(Readable.from([data]), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)));
}

/** Store the ingest tables' rows again into the emptied tables, `runs` times, each in a transaction
 * rolled back; the server's CPU read around each table's COPY (db answers the readings' queries). */
export async function ingestStorageFloor(db: { $client: pg.Pool }, runs = 3): Promise<FloorRun[]> {
  const client = await db.$client.connect();
  try {
    const data = new Map<string, Buffer>();
    for (const t of INGEST_TABLES) data.set(t, await copyOut(client, t));
    const [{ n }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM iqc_results')).rows;
    const out: FloorRun[] = [];
    for (let i = 0; i < runs; i++) {
      await client.query('BEGIN');
      try {
        // TRUNCATE is transactional here: the rollback brings the rows back
        await client.query(`TRUNCATE ${INGEST_TABLES.join(', ')}`);
        const serverS = new Map<(typeof INGEST_TABLES)[number], number | null>();
        for (const t of INGEST_TABLES) {
          const s0 = await pgCpu(db, 'server');
          await copyIn(client, t, data.get(t)!);
          serverS.set(t, cpuSince(s0, await pgCpu(db, 'server')));
        }
        out.push({ results: Number(n), serverS });
      } finally {
        await client.query('ROLLBACK');
      }
    }
    return out;
  } finally {
    client.release();
  }
}

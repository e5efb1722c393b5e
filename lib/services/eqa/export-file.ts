// A round's CSV export written to a temporary file a part at a time (in the job worker that reads
// it), then sent from that file: a national round's 2,000,000 rows never sit in memory, nor in one
// string (V8 caps a string at ~512 MB). The file is removed as soon as the sender has it open.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Conn } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import { writeRoundCsv } from './reports-csv';

/** Write the round's CSV (UTF-8 with a byte-order mark, for spreadsheet programs) to a new file. */
export async function exportRoundToFile(db: Conn, actor: Actor, input: { roundCode: string }): Promise<{ file: string; bytes: number }> {
  const file = path.join(os.tmpdir(), `labqc-export-${randomUUID()}.csv`);
  const out = await fs.promises.open(file, 'wx', 0o600);
  let bytes = 0;
  try {
    const write = async (text: string) => {
      if (!text) return;
      const chunk = Buffer.from(text, 'utf8');
      for (let at = 0; at < chunk.length; ) at += (await out.write(chunk, at)).bytesWritten;
      bytes += chunk.length;
    };
    await write('\uFEFF');
    await writeRoundCsv(db, actor, input, write);
  } catch (e) {
    await out.close();
    await fs.promises.rm(file, { force: true });
    throw e;
  }
  await out.close();
  return { file, bytes };
}

/** The file as a response body: opened, then removed at once (the open file stays readable), so
 * nothing is left behind whether the client reads it all, goes away, or never starts. */
export async function takeExportFile(file: string): Promise<ReadableStream<Uint8Array>> {
  const handle = await fs.promises.open(file, 'r');
  await fs.promises.rm(file, { force: true });
  return Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>;
}

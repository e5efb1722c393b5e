// A round's CSV export, sent while it is being written. The route makes a temporary file and removes
// its name at once (nothing is left behind, whatever happens next), the job worker writes the CSV into
// it a part at a time (writeRoundCsv), and the response reads it as it grows. A national round's
// 2,000,000 rows (477 MB) never sit in memory, nor in one string (V8 caps a string at ~512 MB), and its
// first bytes leave after the first part instead of after the whole file (41–56 s): a reverse proxy's
// read timeout (nginx: 60 s) is not a limit on the round's size.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Conn } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import { writeRoundCsv } from './reports-csv';

const writeAt = promisify(fs.write);

export interface WrittenFile {
  bytes: number;
}

/**
 * Write the round's CSV (UTF-8 with a byte-order mark, for spreadsheet programs) to the open file
 * `fd`. The job: a worker thread shares its process's file descriptors, so it writes into the file the
 * request thread reads. Nothing is written before the reader's access and the round are checked, so a
 * refusal comes before the first byte.
 */
export async function writeRoundExport(db: Conn, actor: Actor, input: { roundCode: string; fd: number }): Promise<WrittenFile> {
  let bytes = 0;
  await writeRoundCsv(db, actor, input, async (text) => {
    if (!text) return;
    const chunk = Buffer.from(bytes === 0 ? `\uFEFF${text}` : text, 'utf8');
    for (let at = 0; at < chunk.length; ) at += (await writeAt(input.fd, chunk, at, chunk.length - at, null)).bytesWritten;
    bytes += chunk.length;
  });
  return { bytes };
}

const CHUNK = 256 * 1024;

/**
 * Run `write` (a job writing into the file descriptor it is given) and answer with the file as a
 * stream read while it grows. Resolves once the first bytes are there; if the job fails before
 * writing anything (a refusal, an unknown round), rejects with its error instead, so the route answers
 * it as usual. A failure after the first bytes ends the stream with an error (the client's transfer is
 * incomplete, never silently short). A client that goes away does not stop the job: it finishes into
 * the nameless file, whose space is freed when its descriptors close.
 */
export async function streamWhileWritten(write: (fd: number) => Promise<WrittenFile>, opts: { pollMs?: number; dir?: string } = {}): Promise<ReadableStream<Uint8Array>> {
  const pollMs = opts.pollMs ?? 20;
  const file = path.join(opts.dir ?? os.tmpdir(), `labqc-export-${randomUUID()}.csv`);
  const out = await fs.promises.open(file, 'wx', 0o600);
  let input: fs.promises.FileHandle;
  try {
    input = await fs.promises.open(file, 'r');
  } catch (e) {
    await out.close();
    throw e;
  } finally {
    await fs.promises.rm(file, { force: true });
  }
  let outcome: { ok: true } | { ok: false; error: unknown } | null = null;
  // the writing descriptor is closed only once the job has ended: closed earlier, its number could be
  // given to another file that the job would then write into
  const ended = write(out.fd).then(
    () => void (outcome = { ok: true }),
    (error: unknown) => void (outcome = { ok: false, error }),
  );
  void ended.finally(() => out.close());
  const tick = () => Promise.race([ended, new Promise((resolve) => setTimeout(resolve, pollMs))]);

  while (outcome === null && (await input.stat()).size === 0) await tick();
  const early = outcome as { ok: false; error: unknown } | { ok: true } | null;
  if (early && !early.ok && (await input.stat()).size === 0) {
    await input.close();
    throw early.error;
  }

  let at = 0;
  let closed = false;
  const finish = async () => {
    if (!closed) (closed = true), await input.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // a buffer of its own per chunk: the stream's reader keeps what it is given
        const buffer = Buffer.allocUnsafeSlow(CHUNK);
        for (;;) {
          // the outcome as it was before this read: a job that ended after it may have written more
          const before = outcome;
          const { bytesRead } = await input.read(buffer, 0, CHUNK, at);
          if (bytesRead > 0) {
            at += bytesRead;
            return controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
          }
          if (before) {
            await finish();
            return before.ok ? controller.close() : controller.error(before.error);
          }
          await tick();
        }
      },
      cancel: finish,
    },
    { highWaterMark: 0 },
  );
}

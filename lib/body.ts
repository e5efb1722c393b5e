// Reading a request body with a size cap enforced while it streams: a declared Content-Length over
// the cap is refused before anything is read, and a chunked (or lying) body is refused as soon as
// the bytes received pass the cap, so memory never holds more than the cap plus one chunk.
//
// After a refusal the rest of the body is read and thrown away (up to DISCARD_BUDGET_BYTES, then the
// connection is dropped): cancelling the stream at once would make the framework destroy the socket
// before the 413 is written (Next's request stream has no backpressure and tears the connection down
// on cancel), and leaving it unread would let the framework queue the rest in memory.
import { AppError } from './errors';

/** How much of a refused body is read and discarded so the client receives the 413. */
export const DISCARD_BUDGET_BYTES = 64 * 1024 * 1024;

/** The AppError (413) of a body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): AppError {
  return new AppError('body.tooLarge', { mb: Math.round((maxBytes / 1024 / 1024) * 10) / 10 });
}

/** The request body as UTF-8 text, at most `maxBytes` bytes; throws AppError 'too_large' (413). */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<string> {
  return utf8Text(await readBodyBytesCapped(req, maxBytes));
}

/** UTF-8 bytes as text (a view, not a copy, of the bytes). */
export function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The request body's bytes, at most `maxBytes`, in an ArrayBuffer of their own (a job worker can
 * be handed it without a copy: lib/jobs.ts transferablesOf); throws AppError 'too_large' (413). */
export async function readBodyBytesCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  if (declared > maxBytes) {
    discardRest(reader);
    throw bodyTooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      chunks.length = 0;
      discardRest(reader);
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/** After the refusal has been delivered: read and drop the rest, within DISCARD_BUDGET_BYTES. */
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  setImmediate(async () => {
    let discarded = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        discarded += value.byteLength;
        if (discarded > DISCARD_BUDGET_BYTES) return void (await reader.cancel());
      }
    } catch {
      // the client went away
    }
  });
}

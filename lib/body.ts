// Reading a request body with a size cap enforced while it streams: a declared Content-Length over
// the cap is refused before anything is read, and a chunked (or lying) body is refused as soon as
// the bytes received pass the cap, so memory never holds more than the cap plus one chunk.
import { AppError } from './errors';

/** The AppError (413) of a body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): AppError {
  return new AppError('too_large', `The body is larger than ${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB`);
}

/** The request body as UTF-8 text, at most `maxBytes` bytes; throws AppError 'too_large' (413). */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw bodyTooLarge(maxBytes);
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

// Reading a request body with a size cap enforced while it streams: a declared Content-Length over
// the cap is refused before anything is read, and a chunked (or lying) body is refused as soon as
// the bytes received pass the cap, so memory never holds more than the cap plus one chunk.
//
// After a refusal the rest of the body is read and thrown away (up to DISCARD_BUDGET_BYTES, then the
// connection is dropped): cancelling the stream at once would make the framework destroy the socket
// before the 413 is written (Next's request stream has no backpressure and tears the connection down
// on cancel), and leaving it unread would let the framework queue the rest in memory.
import { isUtf8 } from 'node:buffer';
import { AppError, fieldError, type FieldError } from './errors';
import { decodeFileText, encodingOfLabel, SNIFFED_LABEL } from './text-encoding';

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

/** UTF-8 bytes as text (a view, not a copy, of the bytes); bytes that are not UTF-8 are refused
 * (422 `body.notUtf8`, RFC 8259 §8.1) rather than stored as U+FFFD. A leading byte-order mark is
 * dropped: Windows and .NET tools write one, and RFC 8259 §8.1 lets a parser ignore it. */
export function utf8Text(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(view)) throw new AppError('body.notUtf8', {}, [fieldError('body.notUtf8', {}, '(body)')]);
  const bom = view.length >= 3 && view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf;
  return view.toString('utf8', bom ? 3 : 0);
}

/** A CSV body's text in the encoding it came in (lib/text-encoding.ts: the charset its Content-Type
 * names, its byte-order mark, UTF-8, else GB18030), or 422 `file.unknownEncoding`. */
export function csvText(bytes: Uint8Array, declared: string | null | undefined): string {
  const read = decodeFileText(bytes, declared);
  if (!read) throw unknownEncoding(declared);
  return read.text;
}

/** An uploaded file's text in the encoding it was saved in (see csvText), or 422 `file.unknownEncoding`. */
export async function uploadedText(file: Blob): Promise<string> {
  return csvText(new Uint8Array(await file.arrayBuffer()), null);
}

/** The refusal of a file whose bytes are text in none of the encodings tried. */
function unknownEncoding(declared: string | null | undefined): AppError {
  const params = { encoding: declared && encodingOfLabel(declared) !== 'utf-8' ? declared : SNIFFED_LABEL };
  return new AppError('file.unknownEncoding', params, [fieldError('file.unknownEncoding', params, '(file)')]);
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

/** A JSON body's value; 422 `body.notJson` when it is not JSON (by default with `(body)` as the
 * field, on `row` when given; `refusal` for another answer), or `body.unpairedSurrogate` (below). */
export function parseJsonBody(text: string, opts: { row?: number; refusal?: () => AppError } = {}): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw opts.refusal?.() ?? new AppError('body.notJson', {}, [fieldError('body.notJsonField', {}, '(body)', opts.row)]);
  }
  refuseUnpairedSurrogates(value, text);
  return value;
}

// JSON.parse turns an escape such as "\ud800" into a lone surrogate, which no text can hold: each
// driver then stores its own replacement (SQLite three U+FFFD, PostgreSQL one), so the value read
// back is not the one looked up a moment before (a lot created twice, a unique key broken: a 500).
// RFC 7493 (I-JSON) forbids them; a body holding one is refused where it is parsed. Text decoded
// from bytes cannot hold one, so only a body with a surrogate escape is walked.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// (String.prototype.isWellFormed is ES2024, past this project's lib)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuse (422, each string's place: the row and field of a `results` array, else its path) a
 * parsed JSON body whose strings or keys hold an unpaired surrogate; `text` is the body parsed. */
function refuseUnpairedSurrogates(value: unknown, text: string): void {
  if (SURROGATE_ESCAPE.test(text)) refuseUnpairedSurrogatesIn(value);
}

/** The same refusal for a value the framework decoded from its own JSON: a server action's
 * arguments other than a form (a grid's rows, a CSV file's text read in the browser). */
export function refuseUnpairedSurrogatesIn(value: unknown): void {
  const errors: FieldError[] = [];
  // a loop with its own stack, in document order: a body nested thousands deep is walked, not a
  // stack overflow (a 500). Each entry links to its parent's, so a place is spelled out only for a
  // refused string (a copied path per entry made a deep body quadratic: 20,000 levels took 9 s).
  type Entry = { v: unknown; key: string | number; parent: Entry | null };
  const stack: Entry[] = [{ v: value, key: '', parent: null }];
  while (stack.length) {
    const e = stack.pop()!;
    const v = e.v;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) errors.push(placeOf(pathOf(e)));
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, parent: e });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i];
        stack.push({ v: LONE_SURROGATE.test(k) ? k : x, key: k, parent: e });
      }
    }
  }
  if (errors.length) throw new AppError('body.unpairedSurrogate', { n: errors.length }, errors);

  function pathOf(e: Entry): (string | number)[] {
    const path: (string | number)[] = [];
    for (let at: Entry | null = e; at?.parent; at = at.parent) path.push(at.key);
    return path.reverse();
  }
}

/** Whether a JSON text nests arrays and objects more than `limit` deep (strings skipped): a reader
 * that walks it, or writes it back, by recursion would overflow the stack. */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: to its closing quote, past escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** A CSV file's text handed to a server action: each line holding an unpaired surrogate, by line. */
export function refuseUnpairedSurrogatesInLines(text: string): void {
  if (!LONE_SURROGATE.test(text)) return;
  const errors = text
    .split('\n')
    .flatMap((line, i) => (LONE_SURROGATE.test(line) ? [fieldError('value.unpairedSurrogate', {}, '(row)', i + 1)] : []));
  throw new AppError('body.unpairedSurrogate', { n: errors.length }, errors);
}

function placeOf(path: (string | number)[]): FieldError {
  const [top, row, ...rest] = path;
  // the rows of an import (IQC results, EQA submissions) are reported as every bad row is: by row and field
  if (top === 'results' && typeof row === 'number') return fieldError('value.unpairedSurrogate', {}, rest.length ? rest.join('.') : '(row)', row + 1);
  return fieldError('value.unpairedSurrogate', {}, path.length ? path.join('.') : '(body)');
}

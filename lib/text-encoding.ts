// The text of a CSV file in the encoding its spreadsheet saved it in. Excel on a Chinese Windows
// saves "CSV (逗号分隔)" in the ANSI code page 936 (GBK, which GB18030 contains); "CSV UTF-8" carries
// a byte-order mark; "Unicode text" is UTF-16. Read as UTF-8 whatever it was, a GBK file's Chinese
// (lab and instrument names) became U+FFFD without a word. Runs in the browser and on the server
// alike (the Encoding Standard's TextDecoder in both), so a preview shows what the import will read.
import type { ActionState } from './actions';

function decodeStrict(bytes: Uint8Array, encoding: string): string | null {
  try {
    // fatal: a byte sequence the encoding does not have refuses the file instead of becoming U+FFFD
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The Encoding Standard's name of a charset label (gbk, GB2312, latin1 …), or null when unknown. */
export function encodingOfLabel(label: string): string | null {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

/**
 * A file's text and the encoding it was read in, or null when its bytes are not text in that
 * encoding (the caller refuses the file, `file.unknownEncoding`). `declared` is a charset the sender
 * named (a Content-Type's `charset`): honoured unless it is UTF-8 or unknown, since clients add
 * `charset=utf-8` by habit to whatever bytes they send.
 */
export function decodeFileText(bytes: Uint8Array, declared?: string | null): { text: string; encoding: string } | null {
  const read = (encoding: string) => {
    const text = decodeStrict(bytes, encoding);
    return text === null ? null : { text, encoding };
  };
  // a byte-order mark decides (TextDecoder drops it from the text)
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return read('utf-8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return read('utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return read('utf-16be');
  const named = declared ? encodingOfLabel(declared) : null;
  if (named && named !== 'utf-8') return read(named);
  return read('utf-8') ?? read('gb18030');
}

/** The `charset` parameter of a Content-Type header, if any. */
export function charsetOf(contentType: string | null | undefined): string | null {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m ? m[1] : null;
}

/** What the refusal names when no charset was declared: the encodings sniffed. */
export const SNIFFED_LABEL = 'UTF-8 / GB18030 (GBK)';

/** The refusal of a file in none of the encodings tried, as a form shows it (the server's AppError
 * `file.unknownEncoding`, lib/body.ts, has the same reason and parameters). */
export const UNREADABLE_FILE: ActionState<never> = {
  ok: false,
  code: 'invalid',
  reason: 'file.unknownEncoding',
  params: { encoding: SNIFFED_LABEL },
  message: `The file is not ${SNIFFED_LABEL} text: save it as "CSV UTF-8"`,
  errors: [],
};

/** A chosen file's text as the browser reads it for a preview (decodeFileText), or null. */
export async function chosenFileText(file: Blob): Promise<string | null> {
  return decodeFileText(new Uint8Array(await file.arrayBuffer()))?.text ?? null;
}

// A growing byte buffer for writing a large JSON answer piece by piece (batch verification,
// verify-batch.ts): pieces are copied byte by byte in JavaScript, which for pieces of a few dozen
// bytes is much cheaper than building strings and joining them (no rope to flatten, no UTF-16 copy
// of the whole text, no separate UTF-8 encoding at the end).

/** A string's UTF-8 bytes. */
export const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

export class ByteWriter {
  private buf: Buffer<ArrayBuffer>;
  private n = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private room(k: number): Buffer<ArrayBuffer> {
    if (this.n + k > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
      this.buf.copy(bigger, 0, 0, this.n);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Bytes as they are (pieces encoded once, e.g. with utf8()). */
  bytes(src: Uint8Array): void {
    const len = src.length;
    const b = this.room(len);
    if (len > 32) {
      b.set(src, this.n); // a copy of memory: cheaper than a loop for the longer pieces
      this.n += len;
      return;
    }
    let n = this.n;
    for (let i = 0; i < len; i++) b[n++] = src[i];
    this.n = n;
  }

  /** A string known to be ASCII (digits, validated days, fixed words): one byte per character. */
  ascii(s: string): void {
    const len = s.length;
    const b = this.room(len);
    let n = this.n;
    for (let i = 0; i < len; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** One ASCII character by its code. */
  byte(c: number): void {
    this.room(1)[this.n++] = c;
  }

  /** What was written (a view of the buffer, not a copy). */
  result(): Buffer<ArrayBuffer> {
    return this.buf.subarray(0, this.n);
  }
}

// CSV files in the encodings laboratories save them in (lib/text-encoding.ts): UTF-8 with and without
// a byte-order mark, UTF-16 with one, GBK/GB18030 as Excel on a Chinese Windows writes "CSV (逗号分隔)",
// a declared charset; bytes in none of them are refused, never turned into U+FFFD.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { charsetOf, chosenFileText, decodeFileText } from '@/lib/text-encoding';
import { csvText, uploadedText, utf8Text } from '@/lib/body';
import { AppError } from '@/lib/errors';

// GBK bytes as Python's codec writes them ('贝克曼 AU5800'.encode('gbk'))
const GBK_INSTRUMENT = Buffer.from('b1b4bfcbc2fc20415535383030', 'hex');
const gbkCsv = Buffer.concat([Buffer.from('measured_at,analyte_code,level,lot,value,instrument\r\n2026-11-20 08:00,K,1,K1,4.1,'), GBK_INSTRUMENT, Buffer.from('\r\n')]);
const utf16 = (s: string, bigEndian: boolean) => {
  const le = Buffer.from(`\ufeff${s}`, 'utf16le');
  return bigEndian ? Buffer.from(le).swap16() : le;
};

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('decodeFileText', () => {
  it('reads UTF-8 (the byte-order mark dropped), UTF-16 by its mark, and GBK as GB18030', () => {
    expect(decodeFileText(Buffer.from('\ufeffa,b\n中文,1\n'))).toEqual({ text: 'a,b\n中文,1\n', encoding: 'utf-8' });
    expect(decodeFileText(Buffer.from('a,b\n中文,1\n'))).toEqual({ text: 'a,b\n中文,1\n', encoding: 'utf-8' });
    expect(decodeFileText(utf16('a,b\n中文,1\n', false))).toEqual({ text: 'a,b\n中文,1\n', encoding: 'utf-16le' });
    expect(decodeFileText(utf16('a,b\n中文,1\n', true))).toEqual({ text: 'a,b\n中文,1\n', encoding: 'utf-16be' });
    expect(decodeFileText(gbkCsv)).toMatchObject({ encoding: 'gb18030' });
    expect(decodeFileText(gbkCsv)!.text.split('\r\n')[1]).toBe('2026-11-20 08:00,K,1,K1,4.1,贝克曼 AU5800');
  });

  it('honours a declared charset other than UTF-8; a declared UTF-8 over GBK bytes is sniffed', () => {
    expect(decodeFileText(GBK_INSTRUMENT, 'GBK')).toEqual({ text: '贝克曼 AU5800', encoding: 'gbk' });
    expect(decodeFileText(GBK_INSTRUMENT, 'utf-8')).toEqual({ text: '贝克曼 AU5800', encoding: 'gb18030' });
    expect(decodeFileText(Buffer.from([0x50, 0x52, 0xe9, 0x42, 0x45]), 'iso-8859-1')).toEqual({ text: 'PRéBE', encoding: 'windows-1252' });
    expect(decodeFileText(Buffer.from('K1'), 'no-such-charset')).toEqual({ text: 'K1', encoding: 'utf-8' });
  });

  it('refuses bytes that are text in none of them (0xFF is no lead byte of GB18030), and a UTF-16 mark over an odd byte', () => {
    expect(decodeFileText(Buffer.from([0x41, 0xff, 0x41]))).toBeNull();
    expect(decodeFileText(Buffer.from([0xff, 0xfe, 0x41]))).toBeNull();
  });

  it('reads any UTF-8 text back as it was', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      const read = decodeFileText(Buffer.from(s, 'utf8'));
      expect(read?.text).toBe(s.replace(/^\ufeff/, ''));
    }));
  });

  it('charsetOf reads the Content-Type parameter', () => {
    expect(charsetOf('text/csv; charset=GBK')).toBe('GBK');
    expect(charsetOf('text/csv;charset="utf-8"')).toBe('utf-8');
    expect(charsetOf('text/csv')).toBeNull();
    expect(charsetOf(null)).toBeNull();
  });
});

describe('the server side (lib/body.ts)', () => {
  it('a CSV body and an uploaded file are read alike; bytes in no encoding are 422 file.unknownEncoding', async () => {
    expect(csvText(gbkCsv, null)).toContain('贝克曼 AU5800');
    expect(await uploadedText(new Blob([gbkCsv]))).toContain('贝克曼 AU5800');
    expect(await chosenFileText(new Blob([gbkCsv]))).toContain('贝克曼 AU5800');
    const e = refusal(() => csvText(Buffer.from([0x41, 0xff]), null));
    expect([e.status, e.reason, e.params, e.errors.map((x) => x.field)]).toEqual([422, 'file.unknownEncoding', { encoding: 'UTF-8 / GB18030 (GBK)' }, ['(file)']]);
    expect(refusal(() => csvText(Buffer.from([0xff, 0x41]), 'shift_jis')).params).toEqual({ encoding: 'shift_jis' });
    await expect(uploadedText(new Blob([Buffer.from([0x41, 0xff])]))).rejects.toMatchObject({ reason: 'file.unknownEncoding' });
  });

  it('a JSON body must be UTF-8 (RFC 8259): GBK bytes are 422 body.notUtf8', () => {
    expect(utf8Text(Buffer.from('{"a":"中文"}'))).toBe('{"a":"中文"}');
    const e = refusal(() => utf8Text(Buffer.concat([Buffer.from('{"instrument":"'), GBK_INSTRUMENT, Buffer.from('"}')])));
    expect([e.status, e.reason]).toEqual([422, 'body.notUtf8']);
  });
});

import { describe, expect, it } from 'vitest';
import { lineText, safeText } from '../../lib/validation/admin';
import { iqcResultInput } from '../../lib/validation/iqc';
import { controlCharacterReason, startsLikeFormula } from '../../lib/validation/text';

const reasonOf = (issue: object) => (issue as { params?: { reason: string } }).params?.reason;
const reasonsOf = (r: ReturnType<ReturnType<typeof lineText>['safeParse']>) => (r.success ? [] : r.error.issues.map(reasonOf));

describe('one set of text rules for the forms, the API and the result ingest', () => {
  it.each([
    ['=SUM(A1)', true], ['+1', true], ['-1', true], ['@A1', true], ['\tx', true], ['\rx', true],
    ['A=1', false], ['1-2', false], ['', false], ['LOT 7', false],
  ])('startsLikeFormula(%j) is %s', (text, formula) => {
    expect(startsLikeFormula(text)).toBe(formula);
  });

  it.each([
    ['hexokinase', null], ['a b', null], ['中文', null],
    ['hexo\nUV', 'value.controlCharacter'], ['a\tb', 'value.controlCharacter'], ['a\u007fb', 'value.controlCharacter'],
    ['a\u001fb', 'value.controlCharacter'], ['a\u0000b', 'value.nulCharacter'], ['\u0000\n', 'value.nulCharacter'],
  ])('controlCharacterReason(%j) is %s', (text, reason) => {
    expect(controlCharacterReason(text)).toBe(reason);
  });

  it.each([
    ['Cobas\nc501', ['value.controlCharacter']],
    ['Cobas\u0000', ['value.nulCharacter']],
    ['=cmd', ['value.formulaField']],
    ['Cobas c501', []],
  ])('a lot form field and a result row refuse %j alike', (instrument, reasons) => {
    expect(reasonsOf(lineText(64).safeParse(instrument))).toEqual(reasons);
    const row = iqcResultInput(Date.parse('2026-12-01T12:00:00Z')).safeParse({
      analyte: 'K', level: 'L1', lot: 'A1', value: 4.1, measuredAt: '2026-12-01T08:00:00+08:00', instrument,
    });
    const rowReasons = row.success ? [] : row.error.issues.filter((i) => i.path[0] === 'instrument').map(reasonOf);
    expect(rowReasons).toEqual(reasons);
  });

  it('safeText alone lets a line break through (free text such as a comment may hold one)', () => {
    expect(safeText(100).safeParse('line one\nline two').success).toBe(true);
  });
});

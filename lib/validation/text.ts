// What a piece of text may not be, in one place for the zod fields of the forms and the API and
// for the result ingest's hand-written reader (a million rows a second, so tests by character code).

/** Text a spreadsheet would run as a formula (CSV/formula injection): it starts with = + - @, a tab
 * or a carriage return. */
export function startsLikeFormula(s: string): boolean {
  const c = s.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why a name cannot hold its characters, or null: a line break from an Excel cell (Alt+Enter)
 * would name a new lot, instrument or peer group unseen, and PostgreSQL cannot store NUL at all
 * (SQLite would: refused on both alike). */
export function controlCharacterReason(s: string): 'value.nulCharacter' | 'value.controlCharacter' | null {
  const control = CONTROL_CHARACTER.exec(s);
  if (!control) return null;
  return control[0] === '\u0000' ? 'value.nulCharacter' : 'value.controlCharacter';
}

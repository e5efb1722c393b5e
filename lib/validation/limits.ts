// An allowable error must allow something: a limit of 0 at some concentration makes σpt 0 (no z) and
// fails every result not exactly on target. The threshold form uses each part on its own side of the
// threshold, so both must be positive; the greater-of form (and a single part) needs one.

export function limitAllowsError(l: { percent?: number | null; absolute?: number | null; form?: string | null }): boolean {
  if (l.percent == null && l.absolute == null) return true; // no limit of its own: the catalogue's
  if (l.form === 'threshold') return (l.percent ?? 0) > 0 && (l.absolute ?? 0) > 0;
  return (l.percent ?? 0) > 0 || (l.absolute ?? 0) > 0;
}

// Where to send someone after signing in. `next` comes from the address bar, so it is attacker
// input: it is accepted only when, resolved as a URL against the application's origin, it stays on
// that origin (`//evil.example`, `/\evil.example`, `https://evil.example`, `javascript:` do not).

const FALLBACK_ORIGIN = 'http://labqc.invalid';

/** The same-origin path (with query and fragment) `next` designates, or null when it leaves the origin. */
export function safeNextPath(next: unknown, origin: string | null = null): string | null {
  if (typeof next !== 'string' || next === '' || next.length > 2000) return null;
  const base = origin ?? FALLBACK_ORIGIN;
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return null;
  }
  if (url.origin !== new URL(base).origin) return null;
  // the parsed, re-serialised path: backslashes, tabs and newlines are already normalised away
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('/') && !path.startsWith('//') ? path : null;
}

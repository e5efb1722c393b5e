// Which scope an API token needs for each machine endpoint. One table, so a new write endpoint is
// closed to tokens until it is listed here: reads need `read`, each write its own scope.
import type { TokenScope } from '@/db/enums';

const WRITES: readonly { method: string; path: RegExp; scope: TokenScope }[] = [
  { method: 'POST', path: /^\/api\/v1\/iqc\/results\/?$/, scope: 'iqc:write' },
  { method: 'POST', path: /^\/api\/v1\/iqc\/lots\/?$/, scope: 'iqc:write' },
  { method: 'POST', path: /^\/api\/v1\/eqa\/rounds\/[^/]+\/submissions\/?$/, scope: 'eqa:submit' },
];

/** The scope a token needs for `method pathname`, or null when no token may call it. */
export function tokenScopeFor(method: string, pathname: string): TokenScope | null {
  if (!pathname.startsWith('/api/v1/')) return null;
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'read';
  return WRITES.find((w) => w.method === m && w.path.test(pathname))?.scope ?? null;
}

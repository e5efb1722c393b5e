// The application's public origin. PUBLIC_URL (e.g. https://labqc.example.gov.cn) decides it; no
// request header does. Without PUBLIC_URL (development, tests), a request is judged against its own
// Host header only.

/** The configured origin (`scheme://host[:port]`) from PUBLIC_URL, or null when it is not set. */
export function publicOrigin(): string | null {
  const raw = process.env.PUBLIC_URL?.trim();
  if (!raw) return null;
  return new URL(raw).origin;
}

/**
 * Whether a browser request's `Origin` header names this application: equal to PUBLIC_URL's origin
 * when configured, else (no PUBLIC_URL) to the request's own Host. A missing or `null` Origin is not.
 */
export function isSameOrigin(originHeader: string | null, hostHeader: string | null): boolean {
  if (!originHeader || originHeader === 'null') return false;
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return false;
  }
  const configured = publicOrigin();
  if (configured) return origin.origin === configured;
  if (!hostHeader) return false;
  try {
    // the Host as the browser would write it in an Origin of the same scheme (default port dropped)
    return new URL(`${origin.protocol}//${hostHeader}`).host === origin.host;
  } catch {
    return false;
  }
}

// Security headers of every response. The production server (lib/server/main.ts) sets the common
// ones on everything it answers, its fast path included; proxy.ts adds the pages' Content-Security-
// Policy with a fresh nonce per request (Next.js puts that nonce on its own scripts), and the server
// gives API_CSP to any response still without one (lib/server/default-policy.ts). Free of Node
// and Next imports: both the server and the proxy use it.

/** Internal request headers the production server sets after removing any a client sent. */
export const CLIENT_ADDRESS_HEADER = 'x-labqc-client-address';
export const CLIENT_PROTO_HEADER = 'x-labqc-client-proto';

/** Whether the client reached us over HTTPS: PUBLIC_URL says so, or the production server saw
 * TLS or a trusted proxy's `X-Forwarded-Proto: https` (passed on in CLIENT_PROTO_HEADER). */
export function servedOverHttps(clientProto: string | null | undefined): boolean {
  return (process.env.PUBLIC_URL ?? '').trim().toLowerCase().startsWith('https://') || clientProto === 'https';
}

/** Headers for every response (pages, API, static files). HSTS only over HTTPS (RFC 6797 §7.2:
 * a browser ignores it over plain HTTP, and it would pin a development host). */
export function commonSecurityHeaders(https: boolean): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
    ...(https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** The policy of JSON and file responses: nothing may load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The policy of pages, as the Next.js CSP guide (nonces with Proxy) gives it: scripts only with this
 * request's nonce (and what they load, 'strict-dynamic'); styles from the app plus inline style
 * attributes, which recharts and the QR code's SVG use; no framing by anyone.
 */
export function pageCsp(nonce: string, opts: { dev: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** The path and query of the page asked for, set on the request by proxy.ts (never the client's). */
export const PAGE_PATH_HEADER = 'x-labqc-page';

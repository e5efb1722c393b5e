// The Content-Security-Policy of a response that got none on its way. Pages get theirs with a fresh
// nonce from proxy.ts, the API from next.config.js, lib/fhir and the fast path; what Next serves past
// the proxy (script chunks under /_next/static, /_next/image, the icon, its not-found page for a
// static path that does not exist) and its redirects got none, yet a browser may open any of them as
// a document. So the production server gives every response a policy at the last moment, when its
// headers go out: the one already set if any (never a second header, which a browser would enforce
// as well), else API_CSP, which allows nothing; a script file or an image needs no permission of its
// own to be loaded by a page.
import type http from 'node:http';
import { API_CSP } from './headers';

const CSP = 'content-security-policy';

/** Give `res` `policy` when nothing has set a Content-Security-Policy by the time its headers are
 * written (res.writeHead, which Node calls too for an implicit head). */
export function defaultContentSecurityPolicy(res: http.ServerResponse, policy: string = API_CSP): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!res.hasHeader(CSP) && !namesPolicy(args)) res.setHeader('Content-Security-Policy', policy);
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

/** Whether writeHead's own headers (after an optional status message: an object, a flat
 * [name, value, …] array or an array of [name, value] pairs) hold a policy. */
function namesPolicy(args: unknown[]): boolean {
  const headers = args.find((a, i) => i > 0 && a !== null && typeof a === 'object');
  const isPolicy = (name: unknown) => String(name).toLowerCase() === CSP;
  if (Array.isArray(headers)) return headers.some((h, i) => (Array.isArray(h) ? isPolicy(h[0]) : i % 2 === 0 && isPolicy(h)));
  return !!headers && Object.keys(headers).some(isPolicy);
}

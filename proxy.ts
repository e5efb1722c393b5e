// Next.js 16 Proxy (formerly middleware): gives every page a Content-Security-Policy with a fresh
// nonce, as the Next.js CSP guide describes: the policy travels on the request too, where Next reads
// the nonce for its own scripts. Kept free of database and next-auth imports.
import { NextResponse, type NextRequest } from 'next/server';
import { CLIENT_PROTO_HEADER, commonSecurityHeaders, PAGE_PATH_HEADER, pageCsp, servedOverHttps } from '@/lib/server/headers';

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const https = servedOverHttps(request.headers.get(CLIENT_PROTO_HEADER));
  const csp = pageCsp(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  // the page asked for, for the sign-in to come back to (lib/auth: requirePage); set here, so a
  // client's own header of that name never reaches a page
  requestHeaders.set(PAGE_PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);
  requestHeaders.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(commonSecurityHeaders(https))) response.headers.set(name, value);
  return response;
}

export const config = {
  // pages, their prefetches included: API (and /fhir) responses and static files get their headers
  // from the production server, next.config.js and lib/fhir/route.ts. Unlike the Next.js guide's
  // matcher, prefetches are not skipped: the server gives a response left without a policy the API's
  // (lib/server/default-policy.ts), which would block a prefetched page's scripts once shown
  matcher: ['/((?!api/|fhir/|_next/static|_next/image|favicon.ico|icon.svg).*)'],
};

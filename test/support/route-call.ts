// Calling a Next route handler in a test as a client would: a Request with the same-origin headers the
// API's CSRF check wants, the route params as the promise Next passes, and the JSON answer read back.
export const ORIGIN = 'http://localhost:3000';

export type RouteHandler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

/** `body`: an object is sent as JSON, a string as it is (e.g. CSV with `contentType: 'text/csv'`). */
export async function callRoute<P>(handler: RouteHandler<P>, method: string, path: string, params: P, body?: unknown, contentType = 'application/json') {
  const req = new Request(`${ORIGIN}/api/v1${path}`, {
    method,
    headers: { 'content-type': contentType, origin: ORIGIN, host: 'localhost:3000' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : body instanceof Uint8Array ? new Blob([new Uint8Array(body)]) : JSON.stringify(body) } : {}),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as any };
}

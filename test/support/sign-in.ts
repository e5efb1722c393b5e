// Signing in over HTTP without a browser, as STACK.md describes: GET /api/auth/csrf (cookie and
// token), then POST the form to the credentials callback. Used by server tests and benchmarks.

export interface HttpSignIn {
  status: number;
  /** the Retry-After header of a 429 */
  retryAfter: string | null;
  /** `name=value` of the session cookie when the sign-in succeeded */
  session: string | undefined;
}

export async function signInOverHttp(base: string, email: string, password: string, headers: Record<string, string> = {}): Promise<HttpSignIn> {
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken, email, password }),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => /session-token=./.test(c));
  return { status: res.status, retryAfter: res.headers.get('retry-after'), session };
}

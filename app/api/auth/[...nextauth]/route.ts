import type { NextRequest } from 'next/server';
import { getDb } from '@/db/client';
import { handlers } from '@/lib/auth';
import { clientAddressOf } from '@/lib/auth/client-address';
import { signInRetryAt } from '@/lib/auth/resolve';

export const GET = handlers.GET;

/** next-auth's endpoints; a password sign-in refused by the rate limit answers 429 with Retry-After
 * (seconds) before any password work. */
export async function POST(req: NextRequest) {
  if (new URL(req.url).pathname.endsWith('/callback/credentials')) {
    const form = await req
      .clone()
      .formData()
      .catch(() => null);
    const email = form?.get('email');
    const retryAt = typeof email === 'string' ? await signInRetryAt(getDb(), email.slice(0, 320), clientAddressOf(req.headers)) : null;
    if (retryAt) {
      const seconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
      return Response.json(
        { error: 'Too many failed sign-ins', code: 'auth.tooManySignIns', retryAt: new Date(retryAt).toISOString() },
        { status: 429, headers: { 'Retry-After': String(seconds), 'Cache-Control': 'no-store' } },
      );
    }
  }
  return handlers.POST(req);
}

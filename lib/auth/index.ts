// next-auth wiring and the only place that reads the session. Everything else asks for an Actor.
import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { cache } from 'react';
import { forbidden, notFound, redirect } from 'next/navigation';
import { z } from 'zod';
import { getDb } from '@/db/client';
import type { Actor, Scope } from './actor';
import { can } from './can';
import type { Permission } from './permissions';
import { actorForUserId, authenticate } from './resolve';
import { clientAddressOf } from './client-address';
import { tokenActor } from './token-scopes';
import { auditRefusal } from '@/lib/services/audit';
import { AppError, isAppError } from '@/lib/errors';
import type { TokenScope } from '@/db/enums';
import { authSecret } from './secret';
import { safeNextPath } from './redirect';
import { PAGE_PATH_HEADER } from '@/lib/server/headers';

export type { Actor, Scope } from './actor';
export { can } from './can';
export type { Permission } from './permissions';

/** Where a user with a temporary password is sent until they choose their own. */
export const PASSWORD_PAGE = '/account/password';

const credentialsSchema = z.object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(200) });

/** Sign-in refused by the rate limit (lib/auth/throttle.ts); `retryAt` is when to try again. */
export class RateLimitedSignIn extends CredentialsSignin {
  code = 'rate_limited';
  constructor(readonly retryAt: number) {
    super('Too many failed sign-ins');
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: authSecret(),
  // the origin comes from AUTH_URL (set from PUBLIC_URL by the production server) when configured
  trustHost: true,
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  pages: { signIn: '/login' },
  // a wrong password is an expected outcome (audited in authenticate), not a server error
  logger: {
    error(error: Error) {
      if (error.name !== 'CredentialsSignin' && !(error instanceof CredentialsSignin)) console.error(error);
    },
  },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        // the address the production server resolved (TRUSTED_PROXIES), never X-Forwarded-For itself
        const address = request?.headers ? clientAddressOf(request.headers) : null;
        const r = await authenticate(getDb(), { ...parsed.data, address });
        if (!r.ok) {
          if (r.reason === 'rate_limited') throw new RateLimitedSignIn(r.retryAt);
          return null;
        }
        return { id: String(r.actor.userId), email: r.actor.email, name: r.actor.name, sv: r.sessionVersion };
      },
    }),
  ],
  callbacks: {
    // the session version is fixed when the session is signed; `update` requests (which a client can
    // send) never change it, so an ended session cannot revive itself
    jwt({ token, user, trigger }) {
      if (trigger === 'signIn' && user?.id) {
        token.sub = user.id;
        token.sv = (user as { sv?: number }).sv ?? 0;
      }
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      (session as { sv?: number }).sv = typeof token.sv === 'number' ? token.sv : 0;
      return session;
    },
  },
}));

/**
 * The signed-in person of this request (cached per request), or null: the only session reader of
 * pages, layouts and server actions. It reads the session cookie only: an `Authorization` header is
 * ignored here (API tokens act only on the machine API, see apiActor). The user is re-read from the
 * database each request, so deactivation and password changes (session version) take effect at once.
 */
export const currentActor = cache(async (): Promise<Actor | null> => {
  const session = await auth();
  const id = Number(session?.user?.id);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const sv = (session as { sv?: unknown } | null)?.sv;
  return await actorForUserId(getDb(), id, typeof sv === 'number' ? sv : 0);
});

/**
 * The caller of a machine API route handler (/api/v1): an API token (`Authorization: Bearer`) within
 * its scopes, or else the signed-in person. A token is refused (null, 401) on any other path and when
 * unknown, revoked or expired, and with 403 (audited) without the scope the route needs.
 */
export async function apiActor(req: Request, scope: TokenScope | null): Promise<Actor | null> {
  const bearer = bearerToken(req.headers.get('authorization'));
  if (bearer === undefined) {
    const actor = await currentActor();
    if (actor?.mustChangePassword) throw AppError.forbidden('Change your temporary password first');
    return actor;
  }
  if (!bearer || !new URL(req.url).pathname.startsWith('/api/v1/')) return null;
  return await tokenActor(getDb(), req, bearer, scope);
}

/** The token of an Authorization header: undefined without one, null when it is not a bearer token. */
function bearerToken(header: string | null): string | null | undefined {
  if (header === null) return undefined;
  const m = header.match(/^Bearer\s+(\S+)$/i);
  return m ? m[1] : null;
}

/** `page` with `?next=` the page asked for (as proxy.ts recorded it), when it is one of ours. */
async function backHere(page: string): Promise<string> {
  const { headers } = await import('next/headers');
  const asked = safeNextPath((await headers()).get(PAGE_PATH_HEADER));
  return asked && asked !== '/' && !asked.startsWith(page) ? `${page}?next=${encodeURIComponent(asked)}` : page;
}

/** For pages: redirect anonymous visitors to sign-in, answer 403 to the wrong role or scope. */
export async function requirePage(permission?: Permission, scope?: Scope): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect(await backHere('/login'));
  // the forced change then lands on the role's page (issue 10), not on whatever page was tried meanwhile
  if (actor.mustChangePassword) redirect(PASSWORD_PAGE);
  if (permission && !can(actor, permission, scope)) await refusePage(actor, `page needs ${permission}`);
  return actor;
}

/** For a role's area (its layout): anonymous → sign-in, any other role → 403. */
export async function requireRole(...roles: Actor['role'][]): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect(await backHere('/login'));
  // the forced change then lands on the role's page (issue 10), not on whatever page was tried meanwhile
  if (actor.mustChangePassword) redirect(PASSWORD_PAGE);
  if (!roles.includes(actor.role)) await refusePage(actor, `area of ${roles.join(', ')}`);
  return actor;
}

/** A page's read whose refusals are the page's answer, never a 500: a read the actor may not make →
 * 403 (audited, as requirePage), an unknown or invalid thing named by the URL (a search param, a path
 * segment) → 404. Any other error is the fault it is. */
export async function readForPage<T>(actor: Actor, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (isAppError(e) && e.code === 'forbidden') await refusePage(actor, e.message);
    if (isAppError(e) && (e.code === 'not_found' || e.code === 'invalid')) notFound();
    throw e;
  }
}

/** A page refused with 403 is audited like an API or action refusal (folded per account and
 * minute), then answered by Next's forbidden page. */
async function refusePage(actor: Actor, message: string): Promise<never> {
  await auditRefusal(getDb(), actor, { action: 'page', message });
  forbidden();
}

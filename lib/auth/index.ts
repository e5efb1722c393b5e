// next-auth wiring and the only place that reads the session. Everything else asks for an Actor.
import NextAuth from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { cache } from 'react';
import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { z } from 'zod';
import { getDb } from '@/db/client';
import type { Actor, Scope } from './actor';
import { can } from './can';
import type { Permission } from './permissions';
import { actorForApiToken, actorForUserId, signInWithPassword } from './resolve';
import { authSecret } from './secret';

export type { Actor, Scope } from './actor';
export { can } from './can';
export type { Permission } from './permissions';

const credentialsSchema = z.object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(200) });

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: authSecret(),
  trustHost: true,
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  pages: { signIn: '/login' },
  // a wrong password is an expected outcome (audited in signInWithPassword), not a server error
  logger: {
    error(error: Error) {
      if (error.name !== 'CredentialsSignin') console.error(error);
    },
  },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const ip = request?.headers?.get('x-forwarded-for') ?? null;
        const actor = signInWithPassword(getDb(), parsed.data.email, parsed.data.password, ip);
        return actor ? { id: String(actor.userId), email: actor.email, name: actor.name } : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
}));

/** The signed-in actor of this request (cached per request), or null. The user is re-read from the
 * database each request, so deactivation takes effect immediately. */
export const currentActor = cache(async (): Promise<Actor | null> => {
  const h = await headers();
  const bearer = bearerToken(h.get('authorization'));
  if (bearer) return actorForApiToken(getDb(), bearer);
  const session = await auth();
  const id = Number(session?.user?.id);
  return Number.isInteger(id) && id > 0 ? actorForUserId(getDb(), id) : null;
});

function bearerToken(header: string | null): string | null {
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  return m ? m[1] : null;
}

/** For pages: redirect anonymous visitors to sign-in, answer 403 to the wrong role or scope. */
export async function requirePage(permission?: Permission, scope?: Scope): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect('/login');
  if (permission && !can(actor, permission, scope)) forbidden();
  return actor;
}

/** For a role's area (its layout): anonymous → sign-in, any other role → 403. */
export async function requireRole(...roles: Actor['role'][]): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect('/login');
  if (!roles.includes(actor.role)) forbidden();
  return actor;
}

// next-auth cannot load outside Next, so route-handler tests stand in for lib/auth's apiActor: without
// a bearer token the "session" is whatever `session()` returns; with one, the token is resolved for
// real and its scope checked by lib/auth's own tokenActor, as apiActor does.
//
//   let sessionActor: Actor | null = null;
//   vi.mock('@/lib/auth', async () => (await import('../support/api-actor')).apiActorMock(() => sessionActor));
import type { Actor } from '@/lib/auth/core';
import type { TokenScope } from '@/db/enums';

export async function apiActorMock(session: () => Actor | null) {
  const { tokenActor } = await import('@/lib/auth/token-scopes');
  const { getDb } = await import('@/db/client');
  return {
    apiActor: async (req: Request, scope: string | null) => {
      const m = req.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i);
      if (!m) return session();
      return await tokenActor(getDb(), req, m[1], scope as TokenScope | null);
    },
  };
}

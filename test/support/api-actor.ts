// next-auth cannot load outside Next, so route-handler tests stand in for lib/auth's apiActor: without
// a bearer token the "session" is whatever `session()` returns; with one, the token is resolved for
// real (lib/auth/resolve) and its scope checked as apiActor does.
//
//   let sessionActor: Actor | null = null;
//   vi.mock('@/lib/auth', async () => (await import('../support/api-actor')).apiActorMock(() => sessionActor));
import type { Actor } from '@/lib/auth/core';

export async function apiActorMock(session: () => Actor | null) {
  const { actorForApiToken } = await import('@/lib/auth/resolve');
  const { getDb } = await import('@/db/client');
  const { AppError } = await import('@/lib/errors');
  return {
    apiActor: async (req: Request, scope: string | null) => {
      const m = req.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i);
      if (!m) return session();
      const actor = await actorForApiToken(getDb(), m[1]);
      if (!actor) return null;
      if (!scope || !actor.token?.scopes.includes(scope as never)) throw AppError.forbidden(`This token lacks the ${scope} scope`);
      return actor;
    },
  };
}

// Route-handler wrapper: resolves the actor, maps AppError (and zod errors) to one JSON error shape.
import { NextResponse } from 'next/server';
import { ZodError } from 'zod';
import { AppError } from './errors';
import type { Actor } from './auth/actor';

export function jsonError(status: number, message: string, errors?: unknown) {
  return NextResponse.json(errors ? { error: message, errors } : { error: message }, { status });
}

export function errorResponse(e: unknown) {
  if (e instanceof AppError) return jsonError(e.status, e.message, e.errors.length ? e.errors : undefined);
  if (e instanceof ZodError) {
    return jsonError(
      422,
      'Invalid input',
      e.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
    );
  }
  console.error(e);
  return jsonError(500, 'Internal error');
}

type Ctx<P> = { params: Promise<P> };

/** A route handler for signed-in callers (session cookie or `Authorization: Bearer <token>`). */
export function withActor<P = Record<string, string>>(
  handler: (req: Request, actor: Actor, params: P) => Promise<Response> | Response,
) {
  return async (req: Request, ctx: Ctx<P>) => {
    try {
      const { currentActor } = await import('./auth');
      const actor = await currentActor();
      if (!actor) throw AppError.unauthenticated();
      return await handler(req, actor, await ctx.params);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** A route handler open to everyone (public verification): no session or token work at all. */
export function publicRoute<P = Record<string, string>>(handler: (req: Request, params: P) => Promise<Response> | Response) {
  return async (req: Request, ctx: Ctx<P>) => {
    try {
      return await handler(req, await ctx.params);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

// `GET /api/v1/health` for load balancers and orchestrators in front of several app instances
// (readiness): 200 while this instance's database answers, 503 when it fails or does not answer in
// time, so traffic moves to the instances that can serve it. A stopping instance stops accepting
// connections (lib/server/main.ts), which a probe sees as well. Says nothing about the data.
import { within } from '@/lib/async';

/** How long the database may take to answer before the instance counts as unavailable. */
export const HEALTH_TIMEOUT_MS = 2_000;

export interface HealthAnswer {
  status: 200 | 503;
  body: { status: 'ok' | 'unavailable'; database: 'ok' | 'unavailable' };
}

/** The health answer from `ping` (a round trip to the database): unavailable when it rejects or has
 * not resolved within `timeoutMs`. */
export async function healthOf(ping: () => Promise<unknown>, timeoutMs: number = HEALTH_TIMEOUT_MS): Promise<HealthAnswer> {
  // a ping that throws before it is under way (no database handle) counts as a failed one
  const answered = Promise.resolve()
    .then(ping)
    .then(
      () => true,
      () => false,
    );
  const ok = (await within(answered, timeoutMs)) && (await answered);
  return ok ? { status: 200, body: { status: 'ok', database: 'ok' } } : { status: 503, body: { status: 'unavailable', database: 'unavailable' } };
}

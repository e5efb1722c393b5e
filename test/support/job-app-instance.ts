// One app instance as a child process, for test/integration/app-instances.test.ts: `node --import tsx
// test/support/job-app-instance.ts` with DATABASE_URL=postgres://… (the test's database), LABQC_INSTANCE
// and the LABQC_JOB_* settings. It starts what the production server starts besides HTTP
// (lib/server/main.ts): the job queue with the app's queued jobs (serveJobs) and, with DISPATCH_MS,
// the webhook dispatcher every DISPATCH_MS ms. Then it answers one JSON command per stdin line,
// `{ "id", "op", "actor", "input" }`, with one stdout line `{ "id", "ok", "value" | "error" }`:
//   decide    a certification decision (lib/services/recognition/decisions.ts decide)
//   verify    the public verify API's answer (lib/public-api.ts publicApi, `input` = query parameters)
//   evaluate  what the regulator's page does for a large round: reserve the evaluation, startJob it
//   run       runJob(input.name, actor, input.input), as a route handler or action
// Other stdout lines are the app's logs: `ready` once started, `[labqc] job <name> <id> started on
// <instance> (attempt n)` when this instance begins a queued job.
import readline from 'node:readline';
import { getDb } from '@/db/client';
import { runJob, serializeError, startJob, type JobName } from '@/lib/jobs';
import { serveJobs } from '@/lib/jobs/serve';
import { startWebhookDispatcher } from '@/lib/server/webhooks';
import { decide } from '@/lib/services/recognition/decisions';
import { abandonEvaluation, reserveEvaluation } from '@/lib/services/eqa/evaluation';
import { publicApi } from '@/lib/public-api';
import type { Actor } from '@/lib/auth/core';

const stop = await serveJobs();
if (!stop) throw new Error('job-app-instance needs DATABASE_URL=postgres://…');
if (process.env.DISPATCH_MS) startWebhookDispatcher(getDb(), { intervalMs: Number(process.env.DISPATCH_MS) });

const OPS: Record<string, (actor: Actor, input: never) => Promise<unknown>> = {
  decide: async (actor, input) => await decide(getDb(), actor, input),
  verify: async (_actor, input: Record<string, string>) => await publicApi('/api/v1/verify', new URLSearchParams(input)),
  evaluate: async (actor, input: { roundCode: string }) => {
    const reserved = await reserveEvaluation(getDb(), actor, input, { threshold: 1 });
    if (!reserved) throw new Error('nothing reserved');
    startJob('eqa.evaluate', actor, { roundCode: reserved.round, evaluationId: reserved.evaluationId }, async (message) => await abandonEvaluation(getDb(), reserved.evaluationId, message));
    return reserved;
  },
  run: async (actor, input: { name: JobName; input: unknown }) => await runJob(input.name, actor, input.input as never),
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line) as { id: number; op: string; actor: Actor; input: unknown };
  void (async () => {
    try {
      const value = await OPS[m.op](m.actor, m.input as never);
      console.log(JSON.stringify({ id: m.id, ok: true, value }));
    } catch (e) {
      console.log(JSON.stringify({ id: m.id, ok: false, error: serializeError(e) }));
    }
  })();
});
process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
console.log('ready');

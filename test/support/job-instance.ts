// One app instance's job queue, as a child process of test/integration/pg-job-queue.test.ts:
// `node --import tsx test/support/job-instance.ts` with DATABASE_URL=postgres://…, LABQC_INSTANCE and
// the LABQC_JOB_* settings. Opens the queue the way the app does (lib/jobs/queue.ts openJobQueue),
// works `test.effect` unless JOB_WORK=none, sends one `test.effect` job taking JOB_SEND ms when set,
// and reports on stdout, one line each: `ready`, `sent <job id>`, `started <job id> <attempt>` when
// a run begins, `ran <job id>` when its handler returns.
// The job writes one row of test_effects in its transaction, then takes `input.ms` to finish.
import { sql } from 'drizzle-orm';
import { openJobQueue } from '@/lib/jobs/queue';
import type { PgTx } from '@/lib/jobs/runs';

const queue = await openJobQueue();
if (queue.backend !== 'postgres') throw new Error('job-instance needs DATABASE_URL=postgres://…');
if (process.env.JOB_WORK !== 'none') {
  await queue.work({
    'test.effect': async (tx: PgTx, _actor, input: { ms: number }, job) => {
      console.log(`started ${job.id} ${job.attempt}`);
      await tx.execute(sql`INSERT INTO test_effects (job_id, instance) VALUES (${job.id}, ${job.instance})`);
      await new Promise((r) => setTimeout(r, input.ms));
      console.log(`ran ${job.id}`);
      return { by: job.instance };
    },
  });
}
console.log('ready');
if (process.env.JOB_SEND) {
  const system = { userId: 0, email: 'jobs@labqc.local', name: 'jobs', role: 'admin', labId: null, labCode: null, regionId: null, regionCode: null, regionPath: null, via: 'system' } as const;
  console.log(`sent ${await queue.send('test.effect', system, { ms: Number(process.env.JOB_SEND) })}`);
}
process.on('SIGTERM', () => void queue.stop().then(() => process.exit(0)));

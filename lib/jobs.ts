// Heavy work as named jobs: IQC imports (API, CSV, entry grid), EQA submissions, evaluations and
// publications, eligibility runs, the largest reads (the results API, a round's export). A route
// handler or server action parses and authorizes cheaply, then awaits runJob(name, actor, input). In
// the production server (lib/server/main.ts) a pool of worker threads runs the job, each with its own
// SQLite connection (lib/server/pool.ts), so the request thread keeps answering; anywhere else
// (tests, scripts, `next dev`) the job runs in this process. Either way the same service function
// runs and its answer or refusal comes back unchanged.
// On PostgreSQL (several app instances) the server also installs the job queue in the database
// (lib/jobs/serve.ts): the long runs (isQueued: evaluations, publications, eligibility runs) go
// through it and are done once by whichever instance takes them, even if this one dies; imports and
// the other request-bound jobs stay in this instance (the request waiting for them dies with it).
import { ZodError } from 'zod';
import { getDb, type DB } from '@/db/client';
import { isSqliteBusy, writeLockWaitMs } from '@/db/tx';
import type { Actor } from '@/lib/auth/core';
import { AppError, busyCode, unstorableText, type AppErrorCode, type ErrorParams, type ErrorReason, type FieldError } from '@/lib/errors';
import { ingestPosted, type PostedResults } from '@/lib/services/iqc/api';
import { importIqcCsv } from '@/lib/services/iqc/import-csv';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { submitFromPage, submitPosted, submitResults, type PostedSubmission, type RawRow, type SubmissionInput } from '@/lib/services/eqa/submissions';
import { evaluateRound, publishRound } from '@/lib/services/eqa/evaluation';
import { recomputeEligibility } from '@/lib/services/recognition/eligibility';
import { auditTokenUse } from '@/lib/auth/token-scopes';
import { recordLocalCodeMisses } from '@/db/queries/public';
import { batchCheck } from '@/lib/services/hospital/batch-check';
import { resultsForApiView, type ResultsQuery } from '@/lib/services/iqc/api-reads';
import { writeRoundExport } from '@/lib/services/eqa/export-file';

/** Each job: one service call on the connection of the thread that runs it. */
export const JOBS = {
  /** `POST /api/v1/iqc/results` after the body is read, answered as the UTF-8 bytes of the JSON the
   * route sends (a large import's answer has one entry per run: 100,000 runs cloned and written out
   * on the request thread stopped it for ~0.5 s) */
  'iqc.post': async (db: DB, actor: Actor, input: PostedResults) => jsonBytes(await ingestPosted(db, actor, input)),
  /** the CSV import page: preview (dryRun) or commit */
  // the import page shows counts: one entry per run (100,000 for a large file) would be cloned from
  // the worker and written into the action's answer on the request thread, for nothing
  'iqc.importCsv': async (db: DB, actor: Actor, input: { text: string; dryRun: boolean }) => await importIqcCsv(db, actor, { text: input.text }, { dryRun: input.dryRun, omitRuns: true }),
  /** the entry grid */
  'iqc.enter': async (db: DB, actor: Actor, input: { results: unknown[] }) => await ingestResults(db, actor, { results: input.results }, { source: 'manual' }),
  'eqa.submit': async (db: DB, actor: Actor, input: SubmissionInput) => await submitResults(db, actor, input),
  /** the lab's round page: its form's rows or its CSV file, checked and (confirmed) saved */
  'eqa.page': async (db: DB, actor: Actor, input: { roundCode: string; rows?: RawRow[]; csv?: string; source: 'manual' | 'csv'; confirmed: boolean }) => await submitFromPage(db, actor, input),
  /** `POST /api/v1/eqa/rounds/{round}/submissions` after the body is read: parsed here, then submitted */
  'eqa.post': async (db: DB, actor: Actor, input: PostedSubmission) => await submitPosted(db, actor, input),
  /** the one evaluation runner (API and regulator's page); `evaluationId` continues a reserved one */
  'eqa.evaluate': async (db: DB, actor: Actor, input: { roundCode: string; evaluationId?: number }) => await evaluateRound(db, actor, { roundCode: input.roundCode }, { evaluationId: input.evaluationId }),
  /** publication, then recognition re-checks the participants' eligibility */
  'eqa.publish': async (db: DB, actor: Actor, input: { roundCode: string }) => await publishRound(db, actor, input),
  'recognition.recompute': async (db: DB, actor: Actor, input: { regionCode?: string }) => await recomputeEligibility(db, actor, input),
  /** the audit row of an API token's write (lib/http.ts): written off the request thread, which would
   * otherwise wait (blocked) for the write lock while an import commits */
  'audit.tokenUse': async (db: DB, actor: Actor, input: { method: string; url: string; status: number }) => await auditTokenUse(db, actor, new Request(input.url, { method: input.method }), input.status),
  /** the hospital's batch check page (lib/services/hospital/batch-check.ts) */
  'hospital.batchCheck': async (db: DB, actor: Actor, input: { text: string }) => await batchCheck(db, actor, input),
  /** local item codes a hospital's batch verification could not resolve (for its mapping page):
   * a write, so off the request thread like the audit row above */
  'verify.recordMisses': async (db: DB, actor: Actor, input: { codes: string[]; at: number }) => await recordLocalCodeMisses(db, actor.userId, input.codes, input.at),
  /** `GET /api/v1/iqc/results`: up to 50,000 results (a year of a large lab is sorted for them),
   * answered as the JSON the route sends, in UTF-8 bytes */
  'iqc.readResults': async (db: DB, actor: Actor, input: ResultsQuery) => {
    const { results, next } = await resultsForApiView(db, actor, input);
    return { body: jsonBytes(results), next };
  },
  /** a whole evaluated round as CSV (a national round: 2,000,000 results), written a part at a time
   * into the open file `fd` that the route sends while it grows (a descriptor of this process: the job
   * is never queued to another instance, see isQueued) */
  'eqa.exportRound': async (db: DB, actor: Actor, input: { roundCode: string; fd: number }) => await writeRoundExport(db, actor, input),
};

/** A job's answer as the JSON bytes a route sends: made in the worker, handed to the request thread
 * without a copy ({@link transferablesOf}). */
function jsonBytes(value: unknown): Uint8Array {
  return utf8Bytes(JSON.stringify(value));
}

const utf8Bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * The buffers a job's input or answer hands to the other thread instead of copying them: a
 * Uint8Array (the value, or a property of it) that covers an ArrayBuffer of its own. Never a slice of
 * a shared buffer (Node's pool of small Buffers): handing that over would empty it for its other users.
 * The sender must not read a buffer it handed over.
 */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const own = (v: unknown): ArrayBuffer[] =>
    v instanceof Uint8Array && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.byteLength > 0 ? [v.buffer] : [];
  if (value instanceof Uint8Array) return own(value);
  return value && typeof value === 'object' ? Object.values(value).flatMap(own) : [];
}

/** Which workers run a job: imports (LIS and CSV, submissions, audit rows), long runs (evaluation,
 * publication with its eligibility re-check, eligibility runs) or large reads (a big answer is
 * read and written out there, the request thread only sends it). */
export type JobLane = 'import' | 'long' | 'read';
export function laneOf(name: JobName): JobLane {
  if (name === 'iqc.readResults' || name === 'eqa.exportRound') return 'read';
  return name === 'eqa.evaluate' || name === 'eqa.publish' || name === 'recognition.recompute' ? 'long' : 'import';
}

/** Jobs that go to the front of their lane's queue: an audit row is written by the next free import
 * worker, between two imports, instead of waiting for SQLite's lock against a stream of imports
 * (a waiting writer polls the lock and loses it to a worker that commits and begins again). */
export function isUrgent(name: JobName): boolean {
  return name === 'audit.tokenUse' || name === 'verify.recordMisses';
}

/** Jobs that go through the job queue in the database once the server installed it (PostgreSQL):
 * the long runs — a reserved (large) evaluation, a publication, an eligibility run. A request-bound
 * job (an import, a submission, an audit row, a small evaluation within its request) stays in the
 * instance whose request waits for it: queuing would add a round trip through the database for
 * nothing, since the waiting request cannot outlive its instance, and each is one all-or-nothing
 * transaction; a small evaluation run again by a queue after a crash would add a version. */
export function isQueued(name: JobName, input?: unknown): boolean {
  if (name === 'eqa.evaluate') return typeof (input as { evaluationId?: unknown } | undefined)?.evaluationId === 'number';
  return laneOf(name) === 'long';
}

export type JobName = keyof typeof JOBS;
export type JobInput<N extends JobName> = Parameters<(typeof JOBS)[N]>[2];
export type JobOutput<N extends JobName> = Awaited<ReturnType<(typeof JOBS)[N]>>;

export function isJobName(name: unknown): name is JobName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(JOBS, name);
}

/** Jobs that are one all-or-nothing transaction (or idempotent batches): safe to run again when
 * SQLite refused their write lock. An evaluation records its own failure instead. */
const RETRYABLE: ReadonlySet<JobName> = new Set(['iqc.post', 'iqc.importCsv', 'iqc.enter', 'eqa.submit', 'eqa.page', 'eqa.post', 'recognition.recompute', 'audit.tokenUse']);

/**
 * Run a job on `db` in this thread. A writer that loses the race for SQLite's write lock (another
 * connection held it past the transaction's wait, or wrote between this transaction's read and its
 * first write) is refused as a whole, so a retryable job runs again after a short pause.
 */
export async function executeJob<N extends JobName>(db: DB, name: N, actor: Actor, input: JobInput<N>): Promise<JobOutput<N>> {
  const fn = JOBS[name] as (db: DB, actor: Actor, input: JobInput<N>) => Promise<JobOutput<N>>;
  // retried for as long again as one attempt waits for the write lock (db/tx.ts)
  const until = Date.now() + writeLockWaitMs();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(db, actor, input);
    } catch (e) {
      if (!isSqliteBusy(e) || !RETRYABLE.has(name) || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}

/** How a job ended, as a worker reports it. A failure stays data until runJob rebuilds it: the
 * production server's own bundle and the framework's bundles each have their own AppError class, so
 * only the copy of lib/jobs.ts that the route handler or action imported may build the error. */
export type JobReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/** What the production server installs: runs a job elsewhere (a worker thread) and answers with its reply. */
export interface JobRunner {
  run(name: JobName, actor: Actor, input: unknown): Promise<JobReply>;
}

const RUNNER = Symbol.for('labqc.jobRunner');
type WithRunner = { [RUNNER]?: JobRunner };

/** Install (or remove, with null) the runner of this process. The global is shared by the server's
 * own code and the framework's bundles of route handlers and actions. */
export function installJobRunner(runner: JobRunner | null): void {
  (globalThis as WithRunner)[RUNNER] = runner ?? undefined;
}

/** The runner this process installed (the production server's worker pool), if any. */
export function installedJobRunner(): JobRunner | undefined {
  return (globalThis as WithRunner)[RUNNER];
}

/** What the production server installs on PostgreSQL (lib/jobs/serve.ts): the job queue in the database. */
export interface QueuedJobs {
  /** queue the job and wait for its reply, from whichever instance ran it */
  run(name: JobName, actor: Actor, input: unknown): Promise<JobReply>;
  /** queue the job; resolves once it is stored */
  start(name: JobName, actor: Actor, input: unknown): Promise<void>;
}

const QUEUE = Symbol.for('labqc.jobQueue');
type WithQueue = { [QUEUE]?: QueuedJobs };

/** Install (or remove, with null) the job queue of this process (shared with the framework's bundles). */
export function installJobQueue(queue: QueuedJobs | null): void {
  (globalThis as WithQueue)[QUEUE] = queue ?? undefined;
}

const queueFor = (name: JobName, input: unknown) => (isQueued(name, input) ? (globalThis as WithQueue)[QUEUE] : undefined);

/** Run a job: a long run through the installed job queue (PostgreSQL), else in a worker when the
 * production server installed its pool, else in this thread. */
export async function runJob<N extends JobName>(name: N, actor: Actor, input: JobInput<N>): Promise<JobOutput<N>> {
  const runner = queueFor(name, input) ?? (globalThis as WithRunner)[RUNNER];
  if (runner) {
    const reply = await runner.run(name, actor, input);
    if (!reply.ok) throw deserializeError(reply.error);
    return reply.value as JobOutput<N>;
  }
  return executeJob(getDb(), name, actor, input);
}

/** Start a job without waiting for it (a large evaluation the page follows through the database);
 * `onError` gets the message of a failure. Outside the production server it runs in this thread
 * once the current request has been answered. */
export function startJob<N extends JobName>(name: N, actor: Actor, input: JobInput<N>, onError: (message: string) => void | Promise<void>): void {
  const failed = async (e: unknown) => {
    try {
      await onError((e as Error)?.message ?? String(e));
    } catch (inner) {
      console.error('[labqc] job failure handler failed', inner);
    }
  };
  // through the queue: stored, then done by some instance (which handles its failure, lib/jobs/serve.ts);
  // onError here only when it could not be stored
  const queue = queueFor(name, input);
  if (queue) return track(queue.start(name, actor, input).catch(failed));
  const run = () => runJob(name, actor, input).catch(failed);
  if ((globalThis as WithRunner)[RUNNER]) track(run());
  else track(new Promise<void>((resolve) => setImmediate(resolve)).then(run));
}

// The started jobs of this process that have not ended yet (or, through the queue, not been stored);
// global, as the runner is: the framework's bundles start them, the server waits for them when it stops
const STARTED = Symbol.for('labqc.startedJobs');
const started: Set<Promise<unknown>> = ((globalThis as { [STARTED]?: Set<Promise<unknown>> })[STARTED] ??= new Set());
function track(job: Promise<unknown>): void {
  started.add(job);
  const done = () => void started.delete(job);
  job.then(done, done);
}

/** Resolves once every job this process started (startJob) has ended, those they start in turn
 * included: what closes the database waits for it, so that no job meets a closed handle. */
export async function startedJobsSettled(): Promise<void> {
  while (started.size) await Promise.allSettled([...started]);
}

/** A thrown value as a worker sends it back (structured-clone friendly). */
export type SerializedError =
  | { kind: 'app'; reason: ErrorReason; params: ErrorParams; errors: FieldError[]; code: AppErrorCode; message: string }
  | { kind: 'zod'; issues: ZodError['issues'] }
  | { kind: 'error'; message: string; name: string; code?: string; stack?: string };

export function serializeError(thrown: unknown): SerializedError {
  // text PostgreSQL refused to store is a refusal of the input, whose database error would not
  // survive the trip (its cause is not cloned)
  const e = unstorableText(thrown) ?? thrown;
  if (e instanceof AppError) return { kind: 'app', reason: e.reason, params: e.params, errors: e.errors, code: e.code, message: e.message };
  if (e instanceof ZodError) return { kind: 'zod', issues: JSON.parse(JSON.stringify(e.issues)) };
  const err = e instanceof Error ? e : new Error(String(e));
  // a database that stayed busy stays a failure (a queued job is retried) that the request answers
  // 503: its code, found in the causes, goes on the error itself
  const code = busyCode(err) ?? (err as { code?: unknown }).code;
  return { kind: 'error', message: err.message, name: err.name, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
}

/** The same refusal (AppError with its reason, params, field errors and status) or error again. */
export function deserializeError(s: SerializedError): Error {
  if (s.kind === 'app') {
    const e = new AppError(s.reason, s.params, s.errors, s.code);
    e.message = s.message; // a refusal built the old way keeps its own sentence
    return e;
  }
  if (s.kind === 'zod') return new ZodError(s.issues);
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  if (s.code) (e as Error & { code?: string }).code = s.code;
  return e;
}

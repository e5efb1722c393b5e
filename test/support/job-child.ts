// An app instance as a child process for the several-instances tests (pg-job-queue, app-instances):
// `node --import tsx <script>` with the given environment; its stdout read line by line.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Instance {
  name: string;
  child: ChildProcess;
  lines: string[];
  /** resolves with the first stdout line starting with `prefix` (seen already, or to come) */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  /** send one JSON command line (test/support/job-app-instance.ts) and resolve with its reply's value,
   * or reject with its error */
  call<T = unknown>(op: string, actor: unknown, input: unknown, timeoutMs?: number): Promise<T>;
  /** kill -9 (a crash: no cleanup, no goodbye to the database) */
  crash(): void;
}

let nextCall = 1;

/** Start `script` as instance `name`; JOB_TEST_TRACE=1 echoes its lines on stderr. */
export function startInstance(script: string, name: string, env: Record<string, string | undefined>): Instance {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env, LABQC_INSTANCE: name }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const l = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.push(l);
      if (process.env.JOB_TEST_TRACE) console.error(`${new Date().toISOString()} ${name}: ${l}`);
      for (const w of waiters.filter((x) => x.test(l))) w.resolve(l);
    }
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    if (process.env.JOB_TEST_TRACE) console.error(`${name} stderr: ${c.toString('utf8')}`);
  });
  child.stdin!.on('error', () => {}); // writing to a killed instance
  const wait = (test: (l: string) => boolean, what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`${name}: no ${what} in ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)), timeoutMs);
      waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  return {
    name,
    child,
    lines,
    line: (prefix, timeoutMs = 30_000) => wait((l) => l.startsWith(prefix), `"${prefix}" line`, timeoutMs),
    call: async <T,>(op: string, actor: unknown, input: unknown, timeoutMs = 60_000) => {
      const id = nextCall++;
      const tag = `{"id":${id},`;
      child.stdin!.write(`${JSON.stringify({ id, op, actor, input })}\n`);
      const reply = JSON.parse(await wait((l) => l.startsWith(tag), `reply to ${op}`, timeoutMs)) as { ok: boolean; value?: T; error?: { message?: string; reason?: string } };
      if (!reply.ok) throw Object.assign(new Error(`${name} ${op}: ${reply.error?.message}`), { reply: reply.error });
      return reply.value as T;
    },
    crash: () => void child.kill('SIGKILL'),
  };
}

/** Kill what is still running of `instances` (each test's instances end with it). */
export function stopInstances(instances: Instance[]): void {
  for (const i of instances.splice(0)) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
}

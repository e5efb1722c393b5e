// Long jobs (a national EQA evaluation takes tens of seconds) run in their own process, so the web
// server keeps answering while they work; they report progress through the database.
import { spawn } from 'node:child_process';

/** Start `tsx db/cli.ts <args>` detached from the request; `onError` if it cannot be started or
 * exits with a failure. */
export function spawnJob(args: string[], onError: (message: string) => void): void {
  const child = spawn('npx', ['tsx', 'db/cli.ts', ...args], { cwd: process.cwd(), env: process.env, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (e) => onError(e.message));
  child.on('exit', (code) => {
    if (code) onError(`job ${args[0]} exited with code ${code}`);
  });
  child.unref();
}

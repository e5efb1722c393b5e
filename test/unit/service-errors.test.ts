// Static scan of lib/services/**: a user mistake or refusal is an AppError with a reason code
// (lib/error-reasons.ts), never a plain Error (which the API would answer with a 500 and the forms
// could not show in the reader's language), and never an old-style AppError whose only detail is an
// English sentence.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');
const SERVICES = join(ROOT, 'lib/services');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Plain Errors that are genuine internal invariants, never a user's mistake: `file:line text` → why.
 * Matched by file and the exact source text, so a new plain Error anywhere fails the test.
 */
const ALLOWED_PLAIN_ERRORS: Record<string, string> = {
  // a sentinel thrown to roll the batch's transaction back after collecting every row's refusal; it
  // is caught two lines below and replaced by AppError('recognition.batchRefused')
  "lib/services/recognition/decisions.ts: new Error('rollback')": 'rollback sentinel',
  // integrity invariants standing in for SQLite's foreign-key checks, which a bulk ingest turns off
  // (the callers already resolved the lab, the actor and the analytes: reaching these is a bug, a 500)
  "lib/services/iqc/ingest.ts: new Error('FOREIGN KEY constraint failed: the lab, the user or an analyte of the results d": 'foreign-key invariant (ingest)',
  "lib/services/iqc/write.ts: new Error(`FOREIGN KEY constraint failed: run ${id} is still referenced`)": 'foreign-key invariant (run merge)',
  // a control value whose z is not finite is refused by its row before anything is written
  // (valuesBeyondTargets); reaching this while writing is a bug, a 500
  "lib/services/iqc/judge.ts: new Error(`z of row ${m.pending.row} is not finite`)": 'finite-z invariant (IQC judge)',
  // a round of verify reads answers each of its checks by position: a missing answer is a bug (a 500)
  "lib/services/recognition/rounds.ts: new Error('a round gave no answer for one of its requests')": 'round invariant (verify rounds)',
  // a webhook send's network failures, as a socket reports them: caught by the dispatcher, which logs
  // them on the attempt and retries; they never reach a user's request
  "lib/services/hospital/webhook-send.ts: new Error(`${hostname} has no IPv${options.family} address`)": 'network failure (webhook send)',
  "lib/services/hospital/webhook-send.ts: new Error(`timeout after ${opts.timeoutMs} ms`)": 'network failure (webhook send)',
};

const PLAIN_ERROR = /\bnew\s+(?:Type|Range|Syntax)?Error\s*\(\s*[^)]{0,80}\)?|\bthrow\s+(?:Type|Range)?Error\s*\(/g;
// AppError.forbidden('…'), AppError.conflict(`…`), AppError.notFound('…'), new AppError('conflict', '…'):
// a sentence without a reason code (AppError.invalid('Invalid …', fieldErrors) is allowed: the field
// errors carry the codes; AppError.forbidden() without a sentence is the generic auth.forbidden)
const SENTENCE_ONLY = /AppError\.(?:forbidden|notFound|conflict|unauthenticated)\(\s*['"`]|new\s+AppError\(\s*'(?:forbidden|not_found|conflict|invalid|too_large|unauthenticated)'\s*,/g;

describe('services refuse with reason codes', () => {
  const sources = files(SERVICES).map((p) => ({ file: relative(ROOT, p), text: readFileSync(p, 'utf8') }));

  it('scans the service files', () => {
    expect(sources.length).toBeGreaterThan(20);
  });

  it('throw no plain Error (allow-list: internal invariants, each with its reason)', () => {
    const found = sources.flatMap(({ file, text }) => [...text.matchAll(PLAIN_ERROR)].map((m) => `${file}: ${m[0].trim()}`));
    expect(found.filter((f) => !(f in ALLOWED_PLAIN_ERRORS))).toEqual([]);
  });

  it('never refuse with only an English sentence', () => {
    const found = sources.flatMap(({ file, text }) =>
      [...text.matchAll(SENTENCE_ONLY)].map((m) => `${file}:${text.slice(0, m.index).split('\n').length}`),
    );
    expect(found).toEqual([]);
  });

  it('a legacy AppError.invalid carries field errors with codes', () => {
    const found = sources.flatMap(({ file, text }) =>
      text
        .split('\n')
        .map((line, i) => [line, i + 1] as const)
        .filter(([line]) => /AppError\.invalid\(/.test(line) && !/zodFieldErrors\(|zodIssueError\(|fieldError\(/.test(line))
        .map(([, n]) => `${file}:${n}`),
    );
    expect(found).toEqual([]);
  });

  it('the scan would catch each kind of offence', () => {
    const bad = "throw new Error('no such lab'); throw AppError.conflict(`Round ${c} is closed`); throw new AppError('forbidden', 'No');";
    expect([...bad.matchAll(PLAIN_ERROR)]).toHaveLength(1);
    expect([...bad.matchAll(SENTENCE_ONLY)]).toHaveLength(2);
  });
});

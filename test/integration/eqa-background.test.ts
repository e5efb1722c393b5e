// Large rounds are evaluated in the background while the regulator's page follows them: the
// evaluation is reserved in the request (checked, status 'running'), then continued by the one
// evaluation runner (lib/jobs.ts `eqa.evaluate`, a job worker thread in the production server),
// which records its progress and result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnPool, startJobPool, stopJobPool } from '../support/job-pool';
import type { JobPool } from '@/lib/server/pool';
import { createSeededTestDb } from '../support/db';
import { AFTER_CLOSE, GD_LABS, makeRound, makeScheme, submitAs, type World } from './eqa-support';
import { abandonEvaluation, evaluateRound, reserveEvaluation } from '@/lib/services/eqa/evaluation';
import { findEvaluation } from '@/db/queries/eqa-evaluation';
import { AppError } from '@/lib/errors';

let w: World;
let pool: JobPool;
beforeAll(async () => {
  w = await createSeededTestDb();
  pool = startJobPool(w.file, 1);
  await makeScheme(w, 'BG');
  for (const code of ['BG-1', 'BG-2']) {
    await makeRound(w, 'BG', code, ['S1', 'S2']);
    for (const [i, lab] of GD_LABS.entries()) { await submitAs(w, lab, code, [
        { sample: 'S1', analyte: 'K', value: 4 + (i % 5) * 0.02, method: 'ISE' },
        { sample: 'S2', analyte: 'K', value: 5 + (i % 7) * 0.02, method: 'ISE' },
      ]); }
  }
});
afterAll(async () => {
  await stopJobPool(pool);
  w.close();
});

const status = async (id: number) => (await findEvaluation(w.db, id))?.status;

describe('background evaluation', () => {
  it('a round below the threshold is evaluated within the request (nothing reserved)', async () => {
    expect(await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'BG-1' }, { now: AFTER_CLOSE })).toBeNull();
  });

  it('a reserved evaluation blocks another one, and is completed by the job worker with its progress', async () => {
    const reserved = (await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'BG-1' }, { now: AFTER_CLOSE, threshold: 1 }))!;
    expect(await status(reserved.evaluationId)).toBe('running');
    await expect(async () => await evaluateRound(w.db, w.regulators.gd, { roundCode: 'BG-1' }, { now: AFTER_CLOSE })).rejects.toThrow(/being evaluated/);

    const summary = await runOnPool(pool, 'eqa.evaluate', w.regulators.gd, { roundCode: 'BG-1', evaluationId: reserved.evaluationId });
    expect(summary).toMatchObject({ evaluationId: reserved.evaluationId, version: reserved.version, results: GD_LABS.length * 2 });
    const done = (await findEvaluation(w.db, reserved.evaluationId))!;
    expect(done).toMatchObject({ status: 'complete', progress: 1 });
    expect(done.finishedAt).not.toBeNull();
  });

  it('the checks are made before anything is reserved: another province cannot evaluate', async () => {
    try {
      await reserveEvaluation(w.db, w.regulators.zj, { roundCode: 'BG-2' }, { now: AFTER_CLOSE, threshold: 1 });
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as AppError).code).toBe('forbidden');
    }
  });

  it('an evaluation whose process could not run is marked failed and no longer blocks the round', async () => {
    const reserved = (await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'BG-2' }, { now: AFTER_CLOSE, threshold: 1 }))!;
    await abandonEvaluation(w.db, reserved.evaluationId, 'job evaluate-round exited with code 1');
    expect(await status(reserved.evaluationId)).toBe('failed');
    expect((await evaluateRound(w.db, w.regulators.gd, { roundCode: 'BG-2' }, { now: AFTER_CLOSE })).results).toBe(GD_LABS.length * 2);
  });

  it('a background process cannot continue an evaluation that is not waiting to run', async () => {
    const done = await evaluateRound(w.db, w.regulators.gd, { roundCode: 'BG-2' }, { now: AFTER_CLOSE });
    await expect(async () => await evaluateRound(w.db, w.regulators.gd, { roundCode: 'BG-2' }, { now: AFTER_CLOSE, evaluationId: done.evaluationId })).rejects.toThrow(/not waiting/);
  });
});

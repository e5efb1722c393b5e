import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { getRoundResults } from '@/lib/services/eqa/reports';
import { withCategoricalFields } from '@/lib/services/eqa/categorical-results';
import { requestQuery } from '@/lib/validation/query';

export const dynamic = 'force-dynamic';

/**
 * Graded results of a round: `{ results: [...], analytes: [...] }`. `?lab=CODE` for one lab; a lab
 * manager sees only their own lab and only once published; a regulator may omit `lab` to get every
 * participant of their jurisdiction (each row then carries `lab`). Rows of qualitative, ordinal and
 * nominal items also carry `category` (the answer), `targetCategory`, `targetBasis` ('intended' |
 * 'consensus' | 'mode'), `gradeDistance` and `reasonCode` (e.g. 'no_consensus'); `value` is the answer's grade.
 */
export const GET = withActor<{ roundCode: string }>(async (req, actor, { roundCode }) => {
  const { lab } = requestQuery(req, ['lab']);
  const db = getDb();
  const input = { roundCode, labCode: lab || null };
  return NextResponse.json(await withCategoricalFields(db, actor, input, await getRoundResults(db, actor, input)));
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');

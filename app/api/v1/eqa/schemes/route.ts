import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { createScheme } from '@/lib/services/eqa/schemes';
import { PASS_PERCENT_API_NAMES, SCHEME_API_NAMES } from '@/lib/validation/eqa';
import { apiFieldNames } from '@/lib/validation/errors';
import { jsonBody } from '../json-body';

export const dynamic = 'force-dynamic';

/**
 * Create a scheme (regulator, in their region): `{ code, name, analytes: [code | { analyte, percent?,
 * absolute?, form?, threshold?, minScore? }], minGroupSize?, peerGrouping?, sigmaPtSource?, region?,
 * consensusPercent? (80), ordinalTolerance? (1), negativeMustBeNegative? (true), passPercent?: {
 * qualitative? (80), ordinal? (80), nominal? (100) } }` (the last four grade qualitative, ordinal and
 * nominal items, DOMAIN §2) → 201 `{ code, name, region, analytes, minGroupSize, peerGrouping,
 * sigmaPtSource, minRoundScore, consensusPercent, ordinalTolerance, negativeMustBeNegative, passPercent }`.
 */
export const POST = withActor(async (req, actor) => {
  const body = await jsonBody(req);
  const s = await apiFieldNames({ ...SCHEME_API_NAMES, ...PASS_PERCENT_API_NAMES }, () => createScheme(getDb(), actor, body));
  return NextResponse.json(
    { code: s.code, name: s.name, region: s.regionCode, analytes: s.analytes, minGroupSize: s.minPeerGroupSize, peerGrouping: s.peerGrouping, sigmaPtSource: s.sigmaPtSource, minRoundScore: s.minRoundScore,
      consensusPercent: s.consensusPercent, ordinalTolerance: s.ordinalTolerance, negativeMustBeNegative: s.negativeMustBeNegative,
      passPercent: { qualitative: s.passPercentQualitative, ordinal: s.passPercentOrdinal, nominal: s.passPercentNominal } },
    { status: 201 },
  );
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');

// EQA schemes and enrolment (regulator).
import type { DB } from '@/db/client';
import { analyteIdsByCode, findAnalyteById } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { activeLabsWithin, findSchemeByCode, insertEnrollments, insertScheme, insertSchemeAnalytes, labsByCodes, withdrawEnrollments } from '@/db/queries/eqa';
import { findRegionByCode } from '@/db/queries/regions';
import { can, regionScope, scopeIncludes, type Actor } from '@/lib/auth/core';
import { AppError, type FieldError, fieldError } from '@/lib/errors';
import { enrollInput, schemeInput, withdrawInput } from '@/lib/validation/eqa';
import { zodFieldErrors } from '@/lib/validation/errors';
import { assertManagesScheme, type ClockOptions } from './access';
import { isCategorical } from '@/lib/catalogue/kinds';
import { withTx } from '@/db/tx';
import { mapSeq } from '@/lib/async';

/** Create a scheme (analytes and their grading limits) for a region of the regulator's jurisdiction. */
export async function createScheme(db: DB, actor: Actor, input: unknown, opts: ClockOptions = {}) {
  if (!can(actor, 'eqaScheme.manage')) throw new AppError('auth.forbidden');
  const parsed = schemeInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid scheme', zodFieldErrors(parsed.error));
  const s = parsed.data;
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const regionCode = s.regionCode ?? actor.regionCode ?? '';
    const region = await findRegionByCode(tx, regionCode);
    if (!region) throw new AppError('region.unknown', {}, [fieldError('region.unknownCode', { region: regionCode || '(none)' }, 'regionCode')]);
    assertManagesScheme(actor, region.path);
    if (await findSchemeByCode(tx, s.code)) throw new AppError('scheme.exists', { code: s.code });
    const ids = await analyteIdsByCode(tx);
    const errors: FieldError[] = [];
    const seen = new Set<number>();
    const rows = (await mapSeq(s.analytes, async (a, i) => {
      const id = ids.get(a.analyte.toUpperCase());
      if (!id) {
        errors.push(fieldError('scheme.unknownAnalyte', { analyte: a.analyte }, 'analyte', i + 1));
        return [];
      }
      if (seen.has(id)) {
        errors.push(fieldError('scheme.analyteTwice', { analyte: a.analyte }, 'analyte', i + 1));
        return [];
      }
      seen.add(id);
      const cat = (await findAnalyteById(tx, id))!;
      // categorical items are graded by agreement (DOMAIN §2), not by an allowable error
      if (!isCategorical(cat.kind) && a.percent == null && a.absolute == null && cat.teaPercent == null && cat.teaAbsolute == null) {
        errors.push(fieldError('scheme.noAllowableError', { analyte: a.analyte }, 'percent', i + 1));
      }
      return [
        {
          analyteId: id,
          percent: a.percent ?? null,
          absolute: a.absolute ?? null,
          limitForm: a.percent != null && a.absolute != null ? (a.form ?? 'greater_of') : null,
          threshold: a.form === 'threshold' ? (a.threshold ?? null) : null,
          minScore: a.minScore ?? null,
        },
      ];
    })).flat();
    if (errors.length) throw new AppError('scheme.invalidAnalytes', {}, errors);
    const scheme = await insertScheme(tx, {
      code: s.code,
      name: s.name,
      nameEn: s.nameEn ?? null,
      regionId: region.id,
      minRoundScore: s.minRoundScore,
      sigmaPtSource: s.sigmaPtSource,
      peerGrouping: s.peerGrouping,
      minPeerGroupSize: s.minPeerGroupSize,
      consensusPercent: s.consensusPercent,
      ordinalTolerance: s.ordinalTolerance,
      negativeMustBeNegative: s.negativeMustBeNegative,
      passPercentQualitative: s.passPercentQualitative,
      passPercentOrdinal: s.passPercentOrdinal,
      passPercentNominal: s.passPercentNominal,
      createdBy: actor.userId,
      createdAt: now,
    });
    await insertSchemeAnalytes(
      tx,
      rows.map((r) => ({ ...r, schemeId: scheme.id })),
    );
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'eqa.scheme.create',
      entityType: 'eqa_scheme',
      entityId: scheme.id,
      regionId: region.id,
      details: { code: s.code, analytes: s.analytes.map((a) => a.analyte), minRoundScore: s.minRoundScore, sigmaPtSource: s.sigmaPtSource, peerGrouping: s.peerGrouping, minPeerGroupSize: s.minPeerGroupSize, consensusPercent: s.consensusPercent, ordinalTolerance: s.ordinalTolerance, negativeMustBeNegative: s.negativeMustBeNegative, passPercent: { qualitative: s.passPercentQualitative, ordinal: s.passPercentOrdinal, nominal: s.passPercentNominal } },
      at: now,
    });
    return {
      ...scheme,
      regionCode: region.code,
      analytes: s.analytes.map((a) => a.analyte.toUpperCase()),
    };
  });
}

/**
 * The scheme a regulator manages and the labs named (all active labs of its region without a list):
 * 404 for an unknown scheme, 422 listing unknown codes, 403 for a lab outside the scheme's region.
 */
async function schemeAndLabs(tx: DB, actor: Actor, schemeCode: string, codes: string[] | undefined) {
  const found = await findSchemeByCode(tx, schemeCode);
  if (!found) throw new AppError('scheme.notFound', { scheme: schemeCode });
  assertManagesScheme(actor, found.regionPath);
  const schemeRegion = regionScope(found.regionPath);
  // a code as written, else in upper case (gz-005 names GZ-005), as the other reads of a lab code take it
  const byCode = new Map((codes ? await labsByCodes(tx, codes) : []).map((l) => [l.code, l]));
  const retry = [...new Set((codes ?? []).filter((c) => !byCode.has(c) && c !== c.toUpperCase()).map((c) => c.toUpperCase()))];
  for (const l of await labsByCodes(tx, retry)) byCode.set(l.code, l);
  const labOf = (c: string) => byCode.get(c) ?? byCode.get(c.toUpperCase());
  const labs = codes ? [...new Set(codes.map(labOf).filter((l) => l !== undefined))] : await activeLabsWithin(tx, schemeRegion);
  const missing = (codes ?? []).filter((c) => !labOf(c));
  if (missing.length) throw new AppError('lab.unknownList', {}, missing.map((c) => fieldError('lab.unknownCode', { lab: c }, 'labCodes')));
  for (const l of labs) {
    if (!can(actor, 'eqaScheme.manage', { regionPath: l.regionPath }) || !scopeIncludes(schemeRegion, { labId: l.id, regionPath: l.regionPath })) {
      throw new AppError('scheme.labOutsideRegion', { lab: l.code });
    }
  }
  return { found, labs };
}

/** Enrol labs of the regulator's jurisdiction in a scheme: the given ones, or every active lab of its region. */
export async function enrollLabs(db: DB, actor: Actor, input: unknown, opts: ClockOptions = {}) {
  const parsed = enrollInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid enrolment', zodFieldErrors(parsed.error));
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const { found, labs } = await schemeAndLabs(tx, actor, parsed.data.schemeCode, parsed.data.labCodes);
    const added = await insertEnrollments(
      tx,
      found.scheme.id,
      labs.map((l) => l.id),
      now,
    );
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'eqa.scheme.enroll',
      entityType: 'eqa_scheme',
      entityId: found.scheme.id,
      regionId: found.scheme.regionId,
      details: { labs: labs.map((l) => l.code), added },
      at: now,
    });
    return { added, labs: labs.length };
  });
}

/**
 * Withdraw laboratories from a scheme: their enrolment ends now. Rounds that open later do not count
 * them (no score, nothing to submit); a round open at the moment still does (they may submit, and are
 * scored). Enrolling one again starts a new period. Labs not enrolled are left as they are.
 */
export async function withdrawLabs(db: DB, actor: Actor, input: unknown, opts: ClockOptions = {}) {
  const parsed = withdrawInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid withdrawal', zodFieldErrors(parsed.error));
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const { found, labs } = await schemeAndLabs(tx, actor, parsed.data.schemeCode, [...new Set(parsed.data.labCodes)]);
    const withdrawn = await withdrawEnrollments(tx, found.scheme.id, labs, now);
    if (withdrawn.length) {
      await insertAudit(tx, {
        actorId: actor.userId,
        actorEmail: actor.email,
        action: 'eqa.scheme.withdraw',
        entityType: 'eqa_scheme',
        entityId: found.scheme.id,
        regionId: found.scheme.regionId,
        details: { labs: withdrawn, reason: parsed.data.reason },
        at: now,
      });
    }
    return { withdrawn: withdrawn.length, labs: withdrawn };
  });
}

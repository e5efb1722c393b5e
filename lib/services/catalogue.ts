// The analyte catalogue: importing quality specifications and editing analytes (admin only).
// Edits keep history: the previous state goes to entity_versions with the reason.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DB } from '@/db/client';
import { analytes } from '@/db/schema';
import { analyteCodeOfLoinc, analyteIdsByCode, analyteUses, findAnalyteByCode } from '@/db/queries/analytes';
import { snapshotEntity } from '@/db/queries/versions';
import { insertAudit } from '@/db/queries/audit';
import { fieldChanges } from './audit';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, type FieldError, fieldError, zodIssueError, type ZodIssueLike } from '@/lib/errors';
import { analyteInput, limitRangesInput, type AnalyteInput } from '@/lib/validation/analyte';
import { reasonField } from '@/lib/validation/admin';
import { limitRangesOf, replaceLimitRanges } from '@/db/queries/eqa-limits';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';
import { first } from '@/db/dialect';

function requireManage(actor: Actor) {
  if (!can(actor, 'analyte.manage')) throw new AppError('catalogue.adminOnly');
}

/** Every row validated (errors by row and field, a code twice is an error), or a 422 naming them all. */
function validCatalogueRows(rows: unknown[]): AnalyteInput[] {
  const errors: FieldError[] = [];
  const valid: AnalyteInput[] = [];
  const seen = new Set<string>();
  const loincs = new Map<string, string>();
  rows.forEach((raw, i) => {
    const r = analyteInput.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues) errors.push({ ...zodIssueError(issue as ZodIssueLike, i + 1), field: issue.path.join('.') });
      return;
    }
    if (seen.has(r.data.code)) errors.push(fieldError('catalogue.duplicateCode', { code: r.data.code }, 'code', i + 1));
    seen.add(r.data.code);
    const loincOf = r.data.loinc ? loincs.get(r.data.loinc) : undefined;
    if (loincOf !== undefined && loincOf !== r.data.code) errors.push(fieldError('catalogue.loincUsed', { loinc: r.data.loinc!, code: loincOf }, 'loinc', i + 1));
    if (r.data.loinc) loincs.set(r.data.loinc, r.data.code);
    valid.push(r.data);
  });
  if (errors.length) throw new AppError('catalogue.invalidRows', {}, errors);
  return valid;
}

/** A LOINC code names one item: `loinc:<code>` in verify, batch verify and FHIR would otherwise
 * answer for whichever of two items came first. */
async function assertLoincFree(db: DB, data: AnalyteInput) {
  const holder = data.loinc ? await analyteCodeOfLoinc(db, data.loinc) : undefined;
  if (holder !== undefined && holder !== data.code) throw new AppError('catalogue.loincUsed', { loinc: data.loinc!, code: holder }, [fieldError('catalogue.loincUsed', { loinc: data.loinc!, code: holder }, 'loinc')]);
}

type StoredAnalyte = NonNullable<Awaited<ReturnType<typeof findAnalyteByCode>>>;

/**
 * An item that stored data use keeps its kind and its categories' codes in their order: control
 * lots, results and EQA samples hold category codes and grades (positions), and a kind changed
 * under them (K made qualitative) refused its LIS posts, emptied its IQC coverage and made every
 * lab's K ineligible at the next eligibility run. Names and aliases may change; categories may be
 * added after the last one. Refused with 409 `catalogue.kindInUse` / `catalogue.categoriesInUse`.
 */
async function assertUsesKept(db: DB, existing: StoredAnalyte, data: AnalyteInput, row?: number) {
  const kindChanged = data.kind !== existing.kind;
  const before = (existing.categories ?? []).map((c) => c.code);
  const after = (data.categories ?? []).map((c) => c.code);
  const categoriesKept = before.every((code, i) => after[i] === code);
  if (!kindChanged && categoriesKept) return;
  const uses = await analyteUses(db, existing.id);
  if (!uses.iqc && !uses.eqa) return;
  const usedBy = uses.iqc && uses.eqa ? 'iqc+eqa' : uses.iqc ? 'iqc' : 'eqa';
  if (kindChanged) {
    const params = { code: existing.code, kind: existing.kind, usedBy };
    throw new AppError('catalogue.kindInUse', params, [fieldError('catalogue.kindInUse', params, 'kind', row)]);
  }
  const params = { code: existing.code, categories: before.join(', '), usedBy };
  throw new AppError('catalogue.categoriesInUse', params, [fieldError('catalogue.categoriesInUse', params, 'categories', row)]);
}

/** One analyte of a form or API call, validated, or a 422 naming the fields. */
function validAnalyte(input: unknown): AnalyteInput {
  const parsed = analyteInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid analyte', parsed.error.issues.map((i) => ({ ...zodIssueError(i as ZodIssueLike), field: i.path.join('.') })));
  return parsed.data;
}

/** Validate every row first (errors by row and field), then write all of them in one transaction:
 * new codes are inserted, existing ones updated with their previous state kept. */
export async function importCatalogue(db: DB, actor: Actor, rows: unknown[], reason = 'catalogue import') {
  requireManage(actor);
  const valid = validCatalogueRows(rows);

  const now = Date.now();
  let inserted = 0;
  let updated = 0;
  await withTx(db, async (tx) => {
    for (const a of valid) {
      await assertLoincFree(tx, a);
      const existing = await findAnalyteByCode(tx, a.code);
      if (existing) {
        await assertUsesKept(tx, existing, a, valid.indexOf(a) + 1);
        await snapshotEntity(tx, 'analyte', existing.id, existing, actor.userId, reason, now);
        await tx.update(analytes).set({ ...a, updatedAt: now }).where(eq(analytes.id, existing.id));
        updated++;
      } else {
        await tx.insert(analytes).values({ ...a, createdAt: now, updatedAt: now });
        inserted++;
      }
    }
    await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'analyte.import', entityType: 'analyte', details: { inserted, updated, reason }, at: now });
  });
  return { inserted, updated };
}

/**
 * Add the catalogue items whose code the database does not have yet (an installation made before the
 * catalogue grew, `npm run db:migrate`): rows already there are never touched, so codes, limits and
 * an administrator's edits stay as they are. Idempotent; one audit row names what was added.
 */
export async function addMissingCatalogueItems(db: DB, items: unknown[], actorEmail = 'system (db:migrate)', now = Date.now()): Promise<{ added: string[] }> {
  const valid = validCatalogueRows(items);
  return await withTx(db, async (tx) => {
    const have = await analyteIdsByCode(tx);
    const missing = valid.filter((a) => !have.has(a.code));
    for (const a of missing) await tx.insert(analytes).values({ ...a, createdAt: now, updatedAt: now });
    if (missing.length) {
      await insertAudit(tx, { actorEmail, action: 'analyte.addMissing', entityType: 'analyte', details: { added: missing.map((a) => a.code), count: missing.length }, at: now });
    }
    return { added: missing.map((a) => a.code) };
  });
}

/** Add one item to the catalogue (the admin's "new item" form): any kind, a code not used yet. */
export async function createAnalyte(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  requireManage(actor);
  const data = validAnalyte(input);
  return await withTx(db, async (tx) => {
    if (await findAnalyteByCode(tx, data.code)) throw new AppError('catalogue.codeUsed', { code: data.code });
    await assertLoincFree(tx, data);
    const row = (await tx.insert(analytes).values({ ...data, createdAt: now, updatedAt: now }).returning())[0];
    await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'analyte.create', entityType: 'analyte', entityId: row.id, details: { code: row.code, kind: row.kind }, at: now });
    return row;
  });
}

/** Edit one analyte; the reason is required and kept with the previous version. */
export async function updateAnalyte(db: DB, actor: Actor, id: number, input: unknown, reason: string) {
  requireManage(actor);
  if (!reason?.trim()) throw new AppError('catalogue.reasonRequired', {}, [fieldError('value.required', {}, 'reason')]);
  // as every other edit's reason: at least 3 characters
  const why = z.object({ reason: reasonField }).safeParse({ reason });
  if (!why.success) throw AppError.invalid('Invalid reason', zodFieldErrors(why.error));
  const data = validAnalyte(input);
  const now = Date.now();
  return await withTx(db, async (tx) => {
    const existing = Number.isSafeInteger(id) ? first(await tx.select().from(analytes).where(eq(analytes.id, id)).limit(1)) : undefined;
    if (!existing) throw new AppError('analyte.noSuch');
    // the code is the item's name outside this row: policies' item lists and recognition windows,
    // hospitals' mappings and checks, and the shipped catalogue (a renamed K would come back empty)
    if (data.code !== existing.code) throw new AppError('catalogue.codeFixed', { code: existing.code }, [fieldError('catalogue.codeFixed', { code: existing.code }, 'code')]);
    await assertLoincFree(tx, data);
    await assertUsesKept(tx, existing, data);
    const changes = fieldChanges(existing, data);
    // a save that changes nothing writes no version (its history would list an edit that is none)
    if (!changes.changed.length) return existing;
    await snapshotEntity(tx, 'analyte', id, existing, actor.userId, reason, now);
    await tx.update(analytes).set({ ...data, updatedAt: now }).where(eq(analytes.id, id));
    await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'analyte.update', entityType: 'analyte', entityId: id, details: { reason, ...changes }, at: now });
    return first(await tx.select().from(analytes).where(eq(analytes.id, id)).limit(1))!;
  });
}

/**
 * Replace the concentration ranges of an analyte's allowable limit (WS/T 406-2024 gives haematology
 * requirements by range): each range covers from < target ≤ to and is chosen by the EQA target; an
 * empty list returns the analyte to its flat limit. The previous ranges are kept with the reason.
 */
export async function setLimitRanges(db: DB, actor: Actor, input: unknown) {
  requireManage(actor);
  const parsed = limitRangesInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid limit ranges', zodFieldErrors(parsed.error));
  const { analyte: code, ranges, reason } = parsed.data;
  const now = Date.now();
  return await withTx(db, async (tx) => {
    const a = await findAnalyteByCode(tx, code.toUpperCase());
    if (!a) throw new AppError('analyte.notFound', { analyte: code });
    const before = (await limitRangesOf(tx, [a.id])).get(a.id) ?? [];
    await snapshotEntity(tx, 'analyte_limit_ranges', a.id, { ranges: before }, actor.userId, reason, now);
    await replaceLimitRanges(
      tx,
      a.id,
      ranges.map((r) => ({ fromValue: r.from, toValue: r.to, percent: r.percent ?? null, absolute: r.absolute ?? null, form: r.form ?? null, threshold: r.threshold ?? null, source: r.source })),
    );
    await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'analyte.limitRanges', entityType: 'analyte', entityId: a.id, details: { reason, ranges: ranges.length }, at: now });
    return { analyte: a.code, ranges: ranges.length };
  });
}

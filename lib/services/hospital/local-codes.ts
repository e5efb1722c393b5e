// A hospital's (or a regulator platform's) local item codes mapped to catalogue items. Batch
// verification and FHIR $verify-recognition resolve a check's `analyte` through the caller's map
// (lib/services/recognition/verify-batch.ts, keys normalised by localCodeKey: trimmed, upper case).
//
// Upload: a CSV `local_code,analyte` (analyte = a catalogue code or `loinc:<code>`), previewed with
// its line errors (row, field, reason code), then saved all or nothing in one transaction. Every
// change of an existing mapping (another item, a deletion) first snapshots the old row into
// entity_versions with its reason, and is audited: nothing is silently overwritten.
import { z } from 'zod';
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { snapshotEntity } from '@/db/queries/versions';
import { analyteResolver, deleteLocalCode, findLocalCode, findLocalCodeById, insertLocalCode, listLocalCodes, listUnmappedCodes, pageLocalCodes, updateLocalCode, versionsOfEntities, LOCAL_CODE_SORTS, type LocalCodeSort } from '@/db/queries/hospital';
import type { PageRequest } from '@/db/queries/paging';
import type { Actor } from '@/lib/auth/core';
import { parseCsv } from '@/lib/csv';
import { AppError, fieldError, type ErrorParams, type ErrorReason, type FieldError } from '@/lib/errors';
import { localCodeKey } from '@/lib/services/recognition/verify-batch';
import { LOCAL_CODE_MAX } from '@/lib/validation/recognition';
import { ownerAudit, requireOwner } from './access';
import { withTx } from '@/db/tx';

export { LOCAL_CODE_MAX, LOCAL_CODE_SORTS, type LocalCodeSort };
const ENTITY = 'analyte_local_code';
/** the mapping CSV's columns */
export const LOCAL_CODE_COLUMNS = ['local_code', 'analyte'] as const;

export type MappingChange = { line: number; localCode: string; analyte: string; analyteId: number; change: 'new' | 'changed' | 'unchanged'; previous?: string };
export interface MappingPreview {
  rows: MappingChange[];
  errors: FieldError[];
  counts: { new: number; changed: number; unchanged: number };
}

/** Read a mapping CSV against the owner's current map: what each line would do, and its errors. */
async function readMapping(db: DB, ownerId: number, text: string): Promise<MappingPreview> {
  const lines = parseCsv(text, LOCAL_CODE_COLUMNS, { maxBytes: 2 * 1024 * 1024 });
  const resolve = await analyteResolver(db);
  const current = new Map((await listLocalCodes(db, ownerId)).map((m) => [m.localCode, m]));
  const seen = new Map<string, number>();
  const rows: MappingChange[] = [];
  const errors: FieldError[] = [];
  for (const { line, values } of lines) {
    const raw = values.local_code ?? '';
    const code = localCodeKey(raw);
    const analyteText = (values.analyte ?? '').trim();
    let ok = true;
    if (!code) errors.push(fieldError('localCode.required', {}, 'local_code', line)), (ok = false);
    else if (code.length > LOCAL_CODE_MAX) errors.push(fieldError('localCode.tooLong', { max: LOCAL_CODE_MAX }, 'local_code', line)), (ok = false);
    else if (seen.has(code)) errors.push(fieldError('localCode.duplicate', { code, line: seen.get(code)! }, 'local_code', line)), (ok = false);
    if (code && !seen.has(code)) seen.set(code, line);
    const analyte = analyteText ? resolve(analyteText) : undefined;
    if (!analyteText) errors.push(fieldError('localCode.analyteRequired', {}, 'analyte', line)), (ok = false);
    else if (!analyte) errors.push(fieldError('localCode.unknownAnalyte', { analyte: analyteText }, 'analyte', line)), (ok = false);
    if (!ok || !analyte) continue;
    const before = current.get(code);
    const change = !before ? 'new' : before.analyteId === analyte.id ? 'unchanged' : 'changed';
    rows.push({ line, localCode: code, analyte: analyte.code, analyteId: analyte.id, change, ...(before && change === 'changed' ? { previous: before.analyteCode } : {}) });
  }
  const counts = { new: 0, changed: 0, unchanged: 0 };
  for (const r of rows) counts[r.change]++;
  return { rows, errors, counts };
}

/**
 * Preview (`dryRun`) or save a mapping CSV. Saving refuses the whole file when any line has an
 * error (AppError 'localCode.rejected' with every line error), else applies every line in one
 * transaction: new codes are inserted, changed ones snapshot their old item (reason: the import)
 * and are updated; one audit row counts them.
 */
export async function importLocalCodes(db: DB, actor: Actor, input: { text: string; reason?: string }, opts: { dryRun?: boolean; now?: number } = {}): Promise<MappingPreview> {
  const ownerId = requireOwner(actor, 'localCode.manage');
  const preview = await readMapping(db, ownerId, input.text);
  if (opts.dryRun) return preview;
  if (preview.errors.length) throw new AppError('localCode.rejected', {}, preview.errors);
  const now = opts.now ?? Date.now();
  const reason = input.reason?.trim() || 'CSV import';
  return await withTx(db, async (tx) => {
    // read again inside the transaction: the map may have changed since the preview
    const fresh = await readMapping(tx as unknown as DB, ownerId, input.text);
    if (fresh.errors.length) throw new AppError('localCode.rejected', {}, fresh.errors);
    for (const r of fresh.rows) {
      if (r.change === 'new') await insertLocalCode(tx, { ownerId, localCode: r.localCode, analyteId: r.analyteId, createdBy: actor.userId }, now);
      else if (r.change === 'changed') {
        const old = (await findLocalCode(tx, ownerId, r.localCode))!;
        await snapshotEntity(tx, ENTITY, old.id, { ...old, analyteCode: r.previous }, actor.userId, reason, now);
        await updateLocalCode(tx, old.id, r.analyteId, now);
      }
    }
    await insertAudit(tx, { ...ownerAudit(actor), action: 'localCode.import', entityType: 'user', entityId: ownerId, details: { ...fresh.counts, reason }, at: now });
    return fresh;
  });
}

const oneMapping = z.object({
  localCode: z.string().trim().min(1).max(LOCAL_CODE_MAX),
  analyte: z.string().trim().min(1).max(80),
  reason: z.string().trim().max(500).optional().default(''),
});

/**
 * Map one code (from the unmapped list, or an edit of an existing mapping). A change of an existing
 * mapping needs a reason and keeps the old one as a version. Returns what was done.
 */
/** The reason, its values and the field of one problem in a single mapping. */
function mappingProblem(issue: { path: PropertyKey[]; code: string }): [ErrorReason, ErrorParams, string] {
  const field = String(issue.path[0] ?? 'localCode');
  if (field === 'analyte') return ['localCode.analyteRequired', {}, 'analyte'];
  if (field === 'reason') return ['common.invalid', {}, 'reason'];
  return [issue.code === 'too_big' ? 'localCode.tooLong' : 'localCode.required', { max: LOCAL_CODE_MAX }, 'localCode'];
}

export async function setLocalCode(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'localCode.manage');
  const p = oneMapping.safeParse(input);
  if (!p.success) throw AppError.invalid('Invalid mapping', p.error.issues.map((i) => fieldError(...mappingProblem(i))));
  const code = localCodeKey(p.data.localCode);
  const analyte = (await analyteResolver(db))(p.data.analyte);
  if (!analyte) throw AppError.invalid('Invalid mapping', [fieldError('localCode.unknownAnalyte', { analyte: p.data.analyte }, 'analyte')]);
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const old = await findLocalCode(tx, ownerId, code);
    if (old && old.analyteId === analyte.id) return { localCode: code, analyte: analyte.code, change: 'unchanged' as const };
    if (old) {
      if (!p.data.reason) throw AppError.invalid('Invalid mapping', [fieldError('localCode.reasonRequired', {}, 'reason')]);
      await snapshotEntity(tx, ENTITY, old.id, old, actor.userId, p.data.reason, now);
      await updateLocalCode(tx, old.id, analyte.id, now);
    } else await insertLocalCode(tx, { ownerId, localCode: code, analyteId: analyte.id, createdBy: actor.userId }, now);
    await insertAudit(tx, { ...ownerAudit(actor), action: old ? 'localCode.change' : 'localCode.map', entityType: ENTITY, entityId: old?.id ?? code, details: { localCode: code, analyte: analyte.code, ...(old ? { previousAnalyteId: old.analyteId, reason: p.data.reason } : {}) }, at: now });
    return { localCode: code, analyte: analyte.code, change: old ? ('changed' as const) : ('new' as const) };
  });
}

/** Delete one mapping (with a reason): the row is kept as a version and the deletion audited. */
export async function deleteLocalCodeMapping(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'localCode.manage');
  const p = z.object({ id: z.coerce.number().int().positive(), reason: z.string().trim().max(500).optional().default('') }).safeParse(input);
  if (!p.success) throw new AppError('localCode.notFound');
  if (!p.data.reason) throw AppError.invalid('Invalid mapping', [fieldError('localCode.reasonRequired', {}, 'reason')]);
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const row = await findLocalCodeById(tx, p.data.id);
    if (!row || row.ownerId !== ownerId) throw new AppError('localCode.notFound');
    await snapshotEntity(tx, ENTITY, row.id, { ...row, deleted: true }, actor.userId, p.data.reason, now);
    await deleteLocalCode(tx, row.id);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'localCode.delete', entityType: ENTITY, entityId: row.id, details: { localCode: row.localCode, analyteId: row.analyteId, reason: p.data.reason }, at: now });
    return { id: row.id, localCode: row.localCode };
  });
}

/** The mapping page's first page: 50 codes from the start, unfiltered. */
export const FIRST_MAPPING_PAGE: PageRequest<LocalCodeSort> = { page: 1, size: 50, sort: 'code', dir: 'asc', q: '' };

/**
 * One page of the owner's map (by local code, filtered by `q` over the local code and the item's
 * code and names) with `total`, the codes that match; each mapping of the page with its earlier
 * versions (newest first), read for the page's rows in one query; and the unmapped recent codes. An
 * upload may hold 100,000 codes: the page never reads or renders more than one page of them.
 */
export async function localCodeWorkspace(db: DB, actor: Actor, req: PageRequest<LocalCodeSort> = FIRST_MAPPING_PAGE) {
  const ownerId = requireOwner(actor, 'localCode.manage');
  const page = await pageLocalCodes(db, ownerId, req);
  const versions = new Map<number, { version: number; reason: string | null; changedAt: number; analyteId: number | null }[]>();
  for (const v of await versionsOfEntities(db, ENTITY, page.rows.map((m) => m.id))) {
    const list = versions.get(v.entityId) ?? versions.set(v.entityId, []).get(v.entityId)!;
    list.push({ version: v.version, reason: v.reason, changedAt: v.changedAt, analyteId: (v.data as { analyteId?: number }).analyteId ?? null });
  }
  return {
    mappings: page.rows.map((m) => ({ ...m, versions: versions.get(m.id) ?? [] })),
    total: page.total,
    unmapped: await listUnmappedCodes(db, ownerId),
  };
}

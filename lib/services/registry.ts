// Institution registry import (regulator): a CSV of laboratories with, optionally, their manager.
//
//   code,name,name_en,level,region_code,address[,manager_email,manager_name]
//
// Every row is validated first and every problem reported with its line and field; nothing is
// written when any row is bad. Then one all-or-nothing transaction:
// - a new code creates the laboratory;
// - a code that already exists INSIDE the regulator's jurisdiction updates that laboratory (its
//   previous state kept in entity_versions, reason "registry import"), or leaves it alone when
//   nothing changed; empty optional cells (name_en, address) keep the current value; its
//   active/inactive state is never changed by an import;
// - a code that exists OUTSIDE the jurisdiction is refused (it belongs to another regulator);
// - manager_email creates a lab-manager account with a temporary password, returned once; an email
//   that is already the manager of that same lab is left alone; any other existing email is refused.
import type { Conn, DB } from '@/db/client';
import { findLabsByCodes, insertLab, updateLabRow, type LabValues } from '@/db/queries/labs';
import { regionsByCode } from '@/db/queries/regions';
import { existingEmails, insertUser } from '@/db/queries/users';
import { snapshotEntity } from '@/db/queries/versions';
import { insertAudit } from '@/db/queries/audit';
import { fieldChanges } from './audit';
import { findActorRowByEmail } from '@/db/queries/actors';
import { can, type Actor } from '@/lib/auth/core';
import { hashPasswordAsync } from '@/lib/auth/passwords';
import { looksLikeFormula, parseCsv, toCsv } from '@/lib/csv';
import { AppError, type FieldError } from '@/lib/errors';
import { REGISTRY_COLUMNS, REGISTRY_OPTIONAL_COLUMNS, registryRow } from '@/lib/validation/admin';
import { generateTemporaryPassword } from './users';
import { withTx } from '@/db/tx';

export const REGISTRY_IMPORT_REASON = 'registry import';

/** Why a row is refused; the UI translates the code, the API client reads the message. */
export type RegistryProblemCode =
  | 'required'
  | 'invalid_format'
  | 'bad_level'
  | 'invalid_email'
  | 'formula'
  | 'unknown_region'
  | 'region_outside_jurisdiction'
  | 'duplicate_in_file'
  | 'code_outside_jurisdiction'
  | 'email_taken'
  | 'duplicate_email_in_file';

export interface RegistryProblem extends FieldError {
  row: number;
  code: RegistryProblemCode;
  params?: Record<string, string | number>;
}

export interface RegistryPlanRow {
  line: number;
  code: string;
  name: string;
  regionCode: string;
  action: 'create' | 'update' | 'unchanged';
  /** fields that an update changes */
  changed: string[];
  manager: { email: string; name: string; action: 'create' | 'exists' } | null;
}

export interface RegistryPlan {
  rows: RegistryPlanRow[];
  problems: RegistryProblem[];
  counts: { create: number; update: number; unchanged: number; managers: number };
}

const MESSAGES: Record<RegistryProblemCode, string> = {
  required: 'Required',
  invalid_format: 'Invalid value',
  bad_level: 'Level must be tertiary, secondary or primary',
  invalid_email: 'Not a valid email address',
  formula: 'Text must not start with =, +, -, @ (spreadsheet formula)',
  unknown_region: 'Unknown region code',
  region_outside_jurisdiction: 'The region is outside your jurisdiction',
  duplicate_in_file: 'The code appears earlier in the file',
  code_outside_jurisdiction: 'A laboratory with this code exists outside your jurisdiction',
  email_taken: 'This email already has another account',
  duplicate_email_in_file: 'The email appears earlier in the file',
};

function problem(row: number, field: string, code: RegistryProblemCode, params?: Record<string, string | number>): RegistryProblem {
  return { row, field, code, message: MESSAGES[code] + (params?.line ? ` (line ${params.line})` : ''), ...(params ? { params } : {}) };
}

/** The template offered for download: the header and one example row. */
export function registryTemplateCsv(): string {
  return toCsv([...REGISTRY_COLUMNS, ...REGISTRY_OPTIONAL_COLUMNS], [
    ['GZ-101', '广州市示例医院检验科', 'Guangzhou Example Hospital Laboratory', 'secondary', '440100', '广州市越秀区示例路 1 号', 'manager.gz-101@example.cn', '张三'],
  ]);
}

function requireImport(actor: Actor) {
  if (!can(actor, 'registry.import')) throw new AppError('registry.regulatorOnly');
}

/** Validate the file against the database as it is now: every problem, and what would be written. */
async function plan(db: Conn, actor: Actor, text: string): Promise<RegistryPlan & { valid: Map<number, LabValues> }> {
  const rows = parseCsv(text, REGISTRY_COLUMNS);
  // codes are registered in capitals (lib/validation/admin.ts labInput): `gz-001` in a file is GZ-001
  for (const r of rows) if (r.values.code) r.values.code = r.values.code.trim().toUpperCase();
  const problems: RegistryProblem[] = [];
  const valid = new Map<number, LabValues>();
  const regions = await regionsByCode(db);
  const existing = await findLabsByCodes(db, [...new Set(rows.map((r) => r.values.code?.trim()).filter(Boolean))]);
  const emails = rows.map((r) => r.values.manager_email?.trim().toLowerCase()).filter((e): e is string => !!e);
  const takenEmails = await existingEmails(db, [...new Set(emails)]);
  const firstLineOfCode = new Map<string, number>();
  const firstLineOfEmail = new Map<string, number>();
  const out: RegistryPlanRow[] = [];

  for (const { line, values } of rows) {
    const before = problems.length;
    for (const field of [...REGISTRY_COLUMNS, ...REGISTRY_OPTIONAL_COLUMNS]) {
      if (values[field] && looksLikeFormula(values[field])) problems.push(problem(line, field, 'formula'));
    }
    const raw = Object.fromEntries([...REGISTRY_COLUMNS, ...REGISTRY_OPTIONAL_COLUMNS].map((c) => [c, values[c] ?? '']));
    const parsed = registryRow.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '(row)');
        if (problems.some((p) => p.row === line && p.field === field)) continue;
        const empty = !String(raw[field] ?? '').trim();
        const code: RegistryProblemCode = empty
          ? 'required'
          : field === 'level'
            ? 'bad_level'
            : field === 'manager_email'
              ? 'invalid_email'
              : 'invalid_format';
        problems.push(problem(line, field, code));
      }
    }
    const code = (values.code ?? '').trim();
    if (code) {
      const first = firstLineOfCode.get(code);
      if (first !== undefined) problems.push(problem(line, 'code', 'duplicate_in_file', { line: first }));
      else firstLineOfCode.set(code, line);
    }
    const regionCode = (values.region_code ?? '').trim();
    const region = regionCode ? regions.get(regionCode) : undefined;
    if (regionCode && /^\d{6}$/.test(regionCode)) {
      if (!region) problems.push(problem(line, 'region_code', 'unknown_region', { region: regionCode }));
      else if (!can(actor, 'registry.import', { regionPath: region.path })) problems.push(problem(line, 'region_code', 'region_outside_jurisdiction', { region: regionCode }));
    }
    const current = code ? existing.get(code) : undefined;
    if (current && !can(actor, 'lab.manage', { labId: current.lab.id, regionPath: current.regionPath })) problems.push(problem(line, 'code', 'code_outside_jurisdiction'));
    const email = (values.manager_email ?? '').trim().toLowerCase();
    let manager: RegistryPlanRow['manager'] = null;
    if (email) {
      const first = firstLineOfEmail.get(email);
      if (first !== undefined) problems.push(problem(line, 'manager_email', 'duplicate_email_in_file', { line: first }));
      else firstLineOfEmail.set(email, line);
      if (takenEmails.has(email)) {
        const owner = await findActorRowByEmail(db, email);
        const sameLab = !!current && owner?.role === 'lab_manager' && owner.labId === current.lab.id;
        if (sameLab) manager = { email, name: owner.name, action: 'exists' };
        else problems.push(problem(line, 'manager_email', 'email_taken'));
      }
    }
    if (problems.length > before || !parsed.success || !region) continue;
    const r = parsed.data;
    // empty optional cells keep what an existing lab already has (a partial registry erases nothing)
    const next = { name: r.name, nameEn: r.name_en || current?.lab.nameEn || null, level: r.level, regionId: region.id, address: r.address || current?.lab.address || null };
    valid.set(line, next);
    if (email && !manager) manager = { email, name: r.manager_name || r.name, action: 'create' };
    const changed = current ? (Object.keys(next) as (keyof typeof next)[]).filter((k) => current.lab[k] !== next[k]) : [];
    out.push({ line, code: r.code, name: r.name, regionCode: r.region_code, action: !current ? 'create' : changed.length ? 'update' : 'unchanged', changed, manager });
  }
  const counts = {
    create: out.filter((r) => r.action === 'create').length,
    update: out.filter((r) => r.action === 'update').length,
    unchanged: out.filter((r) => r.action === 'unchanged').length,
    managers: out.filter((r) => r.manager?.action === 'create').length,
  };
  return { rows: out, problems, counts, valid };
}

/** Check a registry file without writing anything: every problem by line and field, and the plan. */
export async function previewRegistryImport(db: DB, actor: Actor, text: string): Promise<RegistryPlan> {
  requireImport(actor);
  const { valid: _valid, ...result } = await plan(db, actor, text);
  return result;
}

/** Import a registry file: refused as a whole (AppError 'invalid' with every problem) when any row
 * is bad, else written in one transaction. Returns the counts and the new managers' temporary
 * passwords (shown once). */
export async function commitRegistryImport(db: DB, actor: Actor, text: string) {
  requireImport(actor);
  const first = await plan(db, actor, text);
  if (first.problems.length) throw new AppError('registry.invalidRows', {}, first.problems);
  // bcrypt is slow on purpose: hash the new managers' passwords before taking the write lock
  const passwords = new Map<string, { plain: string; hash: string }>();
  for (const r of first.rows) {
    if (r.manager?.action === 'create') {
      const plain = generateTemporaryPassword();
      // in the thread pool, one at a time: the server keeps answering while an import hashes
      passwords.set(r.manager.email, { plain, hash: await hashPasswordAsync(plain) });
    }
  }
  return await withTx(db, async (tx) => {
    // validate again inside the transaction: the database may have changed since the first pass
    const p = await plan(tx, actor, text);
    if (p.problems.length) throw new AppError('registry.invalidRows', {}, p.problems);
    const existing = await findLabsByCodes(tx, p.rows.map((r) => r.code));
    const now = Date.now();
    const managers: { labCode: string; email: string; temporaryPassword: string }[] = [];
    for (const row of p.rows) {
      const values = p.valid.get(row.line)!;
      let labId: number;
      const current = existing.get(row.code);
      if (!current) {
        labId = (await insertLab(tx, { code: row.code, ...values }, now)).id;
        await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'lab.create', entityType: 'lab', entityId: labId, labId, regionId: values.regionId, details: { source: 'registry', line: row.line }, at: now });
      } else {
        labId = current.lab.id;
        if (row.action === 'update') {
          await snapshotEntity(tx, 'lab', labId, current.lab, actor.userId, REGISTRY_IMPORT_REASON, now);
          await updateLabRow(tx, labId, values, now);
          await insertAudit(tx, {
            actorId: actor.userId,
            actorEmail: actor.email,
            action: 'lab.update',
            entityType: 'lab',
            entityId: labId,
            labId,
            regionId: values.regionId,
            details: { reason: REGISTRY_IMPORT_REASON, ...fieldChanges(current.lab, values), line: row.line },
            at: now,
          });
        }
      }
      if (row.manager?.action === 'create') {
        const pw = passwords.get(row.manager.email);
        if (!pw) throw new AppError('registry.fileChanged');
        const user = await insertUser(tx, { email: row.manager.email, name: row.manager.name, role: 'lab_manager', passwordHash: pw.hash, labId, regionId: null }, now);
        await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'user.create', entityType: 'user', entityId: user.id, labId, details: { role: 'lab_manager', source: 'registry' }, at: now });
        managers.push({ labCode: row.code, email: row.manager.email, temporaryPassword: pw.plain });
      }
    }
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'registry.import',
      entityType: 'region',
      entityId: actor.regionId,
      regionId: actor.regionId,
      details: p.counts,
      at: now,
    });
    return { counts: p.counts, managers };
  });
}

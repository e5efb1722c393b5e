// The audit log as a hash chain: each row stores the previous row's hash (prev_hash; 64 zeros for
// the first row) and hash = SHA-256(prev_hash, "\n", canonical content), where the canonical content
// is the JSON array of the row's stored values in column order (id, at, actor_id, actor_email,
// action, entity_type, entity_id, lab_id, region_id, details as stored text, ip). Altering, removing
// or inserting a row anywhere breaks the chain at that row or the next; `npm run audit:verify` finds
// the first break. Rows are sealed in the transaction that writes them (SQLite serialises writers,
// so the chain is linear; PostgreSQL's appends take turns, db/pg/audit-chain.ts).
// Both backends hash the details as the text stored: SQLite's text column, PostgreSQL's `json`
// column read as text (db/pg/differences.ts JSON_KEPT_AS_WRITTEN), so a chain sealed on SQLite still
// verifies after `copy-to-postgres`, which copies that text as it is. Rows sealed on PostgreSQL before
// its migration 0010 hashed the details as the object their jsonb read back as: the verification
// accepts that form too (either way the hash is over the row's stored content). The one-off sealing
// of pre-chain rows is SQLite's (its migration added the chain to existing rows).
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Conn, DB } from '../client';
import { dialectOf, rawAll, rawGet, rawRun } from '@/db/dialect';
import { assertNoHiddenAuditRows, lockAppendOrder } from '@/db/pg/audit-chain';

export const GENESIS_HASH = '0'.repeat(64);

const CONTENT = 'id, at, actor_id, actor_email, action, entity_type, entity_id, lab_id, region_id, details, ip';
/** The same columns on PostgreSQL, the details as their stored text (not parsed by the driver). */
const PG_CONTENT = 'id, at, actor_id, actor_email, action, entity_type, entity_id, lab_id, region_id, details::text AS details, ip';

interface RawAuditRow {
  id: number;
  at: number;
  actor_id: number | null;
  actor_email: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  lab_id: number | null;
  region_id: number | null;
  details: string | null;
  ip: string | null;
  prev_hash?: string | null;
  hash?: string | null;
}

/** SHA-256 (hex) of the previous hash and the row's canonical content (`details` as stored text). */
export function auditRowHash(prevHash: string, r: RawAuditRow): string {
  return hashOf(prevHash, r, r.details);
}

function hashOf(prevHash: string, r: RawAuditRow, details: unknown): string {
  const canonical = JSON.stringify([r.id, r.at, r.actor_id, r.actor_email, r.action, r.entity_type, r.entity_id, r.lab_id, r.region_id, details, r.ip]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** Whether `hash` seals the row onto `prevHash`: over its details' text, or (a row sealed on
 * PostgreSQL before migration 0010, when details was jsonb) over the object that text parses to. */
function sealsRow(prevHash: string, r: RawAuditRow, hash: string, pg: boolean): boolean {
  if (auditRowHash(prevHash, r) === hash) return true;
  if (!pg || r.details === null) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.details);
  } catch {
    return false;
  }
  return hashOf(prevHash, r, parsed) === hash;
}

/** SQLite: seal one just-inserted row (the only UPDATE the table's trigger allows). Call in its
 * transaction. PostgreSQL appends and seals in {@link appendAuditRowPg}. */
export async function sealAuditRow(db: Conn, id: number): Promise<void> {
  const row = await rawGet<RawAuditRow>(db, sql.raw(`SELECT ${CONTENT} FROM audit_log WHERE id = ${Number(id)}`));
  const prev = await rawGet<{ id: number; hash: string | null }>(db, sql`SELECT id, hash FROM audit_log WHERE id < ${id} ORDER BY id DESC LIMIT 1`);
  const prevHash = prev ? (prev.hash ?? '') : GENESIS_HASH;
  await rawRun(db, sql`UPDATE audit_log SET prev_hash = ${prevHash}, hash = ${auditRowHash(prevHash, row!)} WHERE id = ${id}`);
}

/** The values of one audit row as stored (details: its JSON text, as SQLite's column and PostgreSQL's
 * `json` keep it). */
export interface AuditRowValues {
  at: number;
  actorId: number | null;
  actorEmail: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  labId: number | null;
  regionId: number | null;
  details: string | null;
  ip: string | null;
}

/**
 * PostgreSQL: append one row and seal it, in the transaction `tx`. Three statements: the turn to
 * append (a statement of its own, so that the next one's snapshot sees the row appended before this
 * one), the insert that returns the row as stored with the row before it, and the seal.
 */
export async function appendAuditRowPg(tx: Conn, v: AuditRowValues): Promise<void> {
  await lockAppendOrder(tx);
  const row = (await rawGet<RawAuditRow & { prev_id: number | null; prev_hash_of: string | null }>(
    tx,
    sql`WITH ins AS (
          INSERT INTO audit_log (at, actor_id, actor_email, action, entity_type, entity_id, lab_id, region_id, details, ip)
          VALUES (${v.at}, ${v.actorId}, ${v.actorEmail}, ${v.action}, ${v.entityType}, ${v.entityId}, ${v.labId}, ${v.regionId}, ${v.details}, ${v.ip})
          RETURNING ${sql.raw(PG_CONTENT)})
        SELECT ins.*, p.id AS prev_id, p.hash AS prev_hash_of
        FROM ins LEFT JOIN LATERAL (SELECT a.id, a.hash FROM audit_log a WHERE a.id < ins.id ORDER BY a.id DESC LIMIT 1) p ON true`,
  ))!;
  await assertNoHiddenAuditRows(tx, row.prev_id ?? 0, row.id);
  const prevHash = row.prev_id !== null ? (row.prev_hash_of ?? '') : GENESIS_HASH;
  await rawRun(tx, sql`UPDATE audit_log SET prev_hash = ${prevHash}, hash = ${auditRowHash(prevHash, row)} WHERE id = ${row.id}`);
}

/**
 * Seal the rows written before the chain existed, in id order (once: when the migration adding the
 * columns has just run and no row is sealed yet). Later unsealed rows are never sealed after the fact:
 * verification reports them. Returns the number of rows sealed.
 */
export async function sealUnchainedAuditRows(db: DB): Promise<number> {
  const c = db.$client;
  if (c.prepare('SELECT 1 FROM audit_log WHERE hash IS NOT NULL LIMIT 1').get()) return 0;
  const page = c.prepare(`SELECT ${CONTENT} FROM audit_log WHERE id > ? ORDER BY id LIMIT 5000`);
  const seal = c.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?');
  return c.transaction(() => {
    let prev = GENESIS_HASH;
    let last = 0;
    let n = 0;
    for (;;) {
      const rows = page.all(last) as RawAuditRow[];
      if (!rows.length) return n;
      for (const r of rows) {
        const h = auditRowHash(prev, r);
        seal.run(prev, h, r.id);
        prev = h;
        last = r.id;
        n++;
      }
    }
  }).immediate();
}

export interface ChainHead {
  id: number;
  hash: string;
}

export interface ChainVerification {
  ok: boolean;
  rows: number;
  /** the last row read (absent for an empty log): kept somewhere else and given back as `head`, it
   * lets a later verification see rows removed from the end, which the chain itself cannot */
  head?: ChainHead;
  /** the first row where the chain breaks (rows missing at the end: the first of them), and why */
  broken?: { id: number; reason: string };
}

/**
 * Walk the whole chain in id order (reads only; safe while the server runs). SQLite reads in one
 * snapshot (a read transaction: one statement walks the rows, then the id counter is read); PostgreSQL
 * reads pages of 5,000.
 *
 * A removed row breaks the chain at the row after it, but rows removed from the end leave an intact,
 * shorter chain. Two checks see them:
 * - SQLite (audit_log's id is AUTOINCREMENT, migration 0000): sqlite_sequence holds the highest id
 *   ever handed out and is written in the inserting transaction, so a rolled-back append takes its id
 *   back; it equals the last row's id unless rows were removed from the end. For the same reason the
 *   ids have no gaps: a gap is rows removed (from the end, when the rows after the gap chain onto the
 *   row before it: the application appended again after the removal).
 *   (PostgreSQL's sequence is not transactional: an append rolled back leaves a gap and the sequence
 *   ahead, so neither check holds there.)
 * - `head`, the head an earlier verification printed, kept by the operator: that row must still be
 *   there with that hash (on both backends, and also when the counter was reset by hand).
 */
export async function verifyAuditChain(db: DB, opts: { head?: ChainHead } = {}): Promise<ChainVerification> {
  let prev = GENESIS_HASH;
  let prevId = 0;
  let rows = 0;
  let headHash: string | undefined;
  const pg = dialectOf(db) === 'pg';
  const check = (r: RawAuditRow): ChainVerification | undefined => {
    rows++;
    if (!pg && prevId && r.id !== prevId + 1) return { ok: false, rows, broken: { id: r.id, reason: `${missing(r.id - prevId - 1)} before it, after row ${prevId} (SQLite hands out the log’s ids one after another: rows were removed)` } };
    if (r.hash == null) return { ok: false, rows, broken: { id: r.id, reason: 'the row has no hash (written outside the application)' } };
    if (r.prev_hash !== prev) return { ok: false, rows, broken: { id: r.id, reason: 'its prev_hash is not the previous row’s hash (a row before it was removed, inserted or re-hashed)' } };
    if (!sealsRow(prev, r, r.hash, pg)) return { ok: false, rows, broken: { id: r.id, reason: 'its content does not match its hash (the row was altered)' } };
    prev = r.hash;
    prevId = r.id;
    if (r.id === opts.head?.id) headHash = r.hash;
    return undefined;
  };
  /** After a whole walk: the row kept as the head is still there, unchanged. */
  const ending = (): ChainVerification => {
    const head = rows ? { id: prevId, hash: prev } : undefined;
    const kept = opts.head;
    if (kept && headHash === undefined) {
      const how = kept.id > prevId ? `rows at the end were removed; the log now ends ${head ? `at row ${head.id}` : 'empty'}` : 'removed, and the rows after it sealed again';
      return { ok: false, rows, head, broken: { id: kept.id, reason: `row ${kept.id}, the head kept from an earlier verification, is gone (${how})` } };
    }
    if (kept && headHash !== kept.hash) return { ok: false, rows, head, broken: { id: kept.id, reason: `its hash is not the head’s kept from an earlier verification (the chain was rewritten up to this row)` } };
    return { ok: true, rows, head };
  };
  if (pg) {
    for (let last = 0; ; ) {
      const page = await rawAll<RawAuditRow>(db, sql`SELECT ${sql.raw(PG_CONTENT)}, prev_hash, hash FROM audit_log WHERE id > ${last} ORDER BY id LIMIT 5000`);
      if (!page.length) break;
      for (const r of page) {
        const broken = check(r);
        if (broken) return broken;
      }
      last = page[page.length - 1].id;
    }
    return ending();
  }
  const c = db.$client;
  // deferred: the walk's statement starts the snapshot the counter is read in, so a row the server
  // appends meanwhile is neither walked nor counted
  return c.transaction((): ChainVerification => {
    for (const r of c.prepare(`SELECT ${CONTENT}, prev_hash, hash FROM audit_log ORDER BY id`).iterate() as IterableIterator<RawAuditRow>) {
      const broken = check(r);
      if (broken) return broken;
    }
    const counter = c.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").get() as { seq: number } | undefined;
    const handedOut = counter?.seq ?? 0;
    if (handedOut > prevId) return { ok: false, rows, broken: { id: prevId + 1, reason: `${missing(handedOut - prevId)} after row ${prevId}, the last (ids up to ${handedOut} were handed out: rows at the end were removed)` } };
    return ending();
  })();
}

const missing = (n: number) => (n === 1 ? '1 row is missing' : `${n} rows are missing`);

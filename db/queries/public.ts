// The public verification reads: prepared once per database handle, indexed, and limited to
// certification data (never QC values, EQA results or user data). Used by the public pages and the
// anonymous JSON API, which must answer thousands of requests per second.
// SQLite: better-sqlite3 statements prepared once per handle, key lists as one JSON parameter (json_each);
// PostgreSQL: db/pg/public.ts (key lists as one array parameter).
import type Database from 'better-sqlite3';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { DB } from '../client';
import { dialectOf } from '../dialect';
import * as pgq from '../pg/public';
import { primaryOf } from '../replicas';
import { holdsNul } from '../nul-text';

export interface PublicLab {
  id: number;
  code: string;
  name: string;
  nameEn: string | null;
  level: string;
  address: string | null;
  regionCode: string;
  regionName: string;
  regionNameEn: string;
  /** materialised path of the lab's region (which policy, hence which recognition windows, apply) */
  regionPath: string;
  /** false once its regulator deactivated it: its certificates still answer for the days they were
   * in force (deactivation suspends the live ones, lib/services/labs.ts) */
  active: boolean;
}

export interface PublicAnalyte {
  id: number;
  code: string;
  nameEn: string;
  nameZh: string;
}

export interface PublicCertificationOnDay {
  id: number;
  analyteCode: string;
  analyteName: string;
  analyteNameEn: string;
  mark: string;
  scope: string;
  certificateNo: string;
  validFrom: string;
  validTo: string;
  /** status on the day asked (from the events effective on or before it) */
  status: string;
}

/** A certification of a lab × analyte (the batch reads every one of the pairs it is asked about). */
export interface PublicPairCertification {
  id: number;
  labId: number;
  analyteId: number;
  mark: string;
  scope: string;
  certificateNo: string;
  validFrom: string;
  validTo: string;
}

/** A status-setting event of a certification (approve, suspend, reinstate, revoke, expire). */
export interface PublicStatusEvent {
  id: number;
  certificationId: number;
  effectiveOn: string;
  toStatus: string;
}

// policy versions are only ever added (a new version, never an edit): the newest id identifies the set
const POLICY_STAMP = `(SELECT coalesce(max(id), 0) FROM recognition_policies)`;
const LAB_COLUMNS = `l.id, l.code, l.name, l.name_en AS nameEn, l.level, l.address, r.code AS regionCode, r.name AS regionName, r.name_en AS regionNameEn, r.path AS regionPath, l.active`;

function build(sqlite: Database.Database) {
  // status of certification c on day :day = the status set by its latest event effective on or before
  // that day (null when it had not been approved yet)
  const statusOn = `(SELECT e.to_status FROM certification_events e
      WHERE e.certification_id = c.id AND e.effective_on <= @day AND e.to_status IS NOT NULL
      ORDER BY e.effective_on DESC, e.id DESC LIMIT 1)`;
  return {
    labByCode: sqlite.prepare<{ code: string }, PublicLab>(`
      SELECT ${LAB_COLUMNS} FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = @code`),
    analyteByCode: sqlite.prepare<{ code: string }, PublicAnalyte>(`SELECT id, code, name_en AS nameEn, name_zh AS nameZh FROM analytes WHERE code = @code`),
    analyteByLoinc: sqlite.prepare<{ loinc: string }, PublicAnalyte>(`SELECT id, code, name_en AS nameEn, name_zh AS nameZh FROM analytes WHERE loinc = @loinc ORDER BY id LIMIT 1`),
    // bulk reads of the batch verification: one statement per kind, keys passed as a JSON array;
    // the batch needs only these three columns of a lab (no names: thousands of labs per batch)
    labKeysByCodes: sqlite.prepare<[string], PublicLabKey>(`
      SELECT l.id, l.code, r.path AS regionPath FROM json_each(?) j CROSS JOIN laboratories l ON l.code = j.value JOIN regions r ON r.id = l.region_id`),
    analyteIndex: sqlite.prepare<[], { id: number; code: string; loinc: string | null }>(`SELECT id, code, loinc FROM analytes ORDER BY id`),
    // a pair travels as one integer, lab id × 2^20 + analyte id (pairKey), cheaper than JSON pairs
    pairsCertifications: sqlite.prepare<[string], PublicPairCertification>(`
      SELECT c.id, c.lab_id AS labId, c.analyte_id AS analyteId, c.mark, c.scope, c.certificate_no AS certificateNo, c.valid_from AS validFrom, c.valid_to AS validTo
      FROM json_each(?) j CROSS JOIN certifications c ON c.lab_id = (j.value >> 20) AND c.analyte_id = (j.value & 1048575)`),
    certificationStamp: sqlite.prepare<[], { lastEvent: number | null; lastCert: number | null }>(`
      SELECT (SELECT max(id) FROM certification_events) AS lastEvent, (SELECT max(id) FROM certifications) AS lastCert`),
    // the rows after the stamp by their ids (a few), repeated pairs and all: with DISTINCT, SQLite
    // read the whole (lab, analyte) index of the table instead
    eventPairsSince: sqlite.prepare<[number], { labId: number; analyteId: number }>(`
      SELECT lab_id AS labId, analyte_id AS analyteId FROM certification_events WHERE id > ?`),
    certificationPairsSince: sqlite.prepare<[number], { labId: number; analyteId: number }>(`
      SELECT lab_id AS labId, analyte_id AS analyteId FROM certifications WHERE id > ?`),
    certificationsEvents: sqlite.prepare<[string], PublicStatusEvent>(`
      SELECT e.id, e.certification_id AS certificationId, e.effective_on AS effectiveOn, e.to_status AS toStatus
      FROM json_each(?) j CROSS JOIN certification_events e ON e.certification_id = j.value WHERE e.to_status IS NOT NULL`),
    policyStamp: sqlite.prepare<[], { stamp: number }>(`SELECT ${POLICY_STAMP} AS stamp`),
    // the single check reads the lab and the policy stamp in one statement (lib/services/recognition/verification.ts)
    labByCodeWithStamp: sqlite.prepare<{ code: string }, PublicLab & { policyStamp: number }>(`
      SELECT ${LAB_COLUMNS}, ${POLICY_STAMP} AS policyStamp FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = @code`),
    localCodes: sqlite.prepare<{ owner: number; codes: string }, { localCode: string; analyteId: number }>(`
      SELECT m.local_code AS localCode, m.analyte_id AS analyteId FROM json_each(@codes) j CROSS JOIN analyte_local_codes m ON m.owner_id = @owner AND m.local_code = j.value`),
    recordMiss: sqlite.prepare<{ owner: number; code: string; now: number }>(`
      INSERT INTO analyte_local_code_misses (owner_id, local_code, seen, first_seen_at, last_seen_at) VALUES (@owner, @code, 1, @now, @now)
      ON CONFLICT (owner_id, local_code) DO UPDATE SET seen = seen + 1, last_seen_at = excluded.last_seen_at`),
    pruneMisses: sqlite.prepare<{ owner: number; keep: number }>(`
      DELETE FROM analyte_local_code_misses WHERE owner_id = @owner AND id NOT IN
        (SELECT id FROM analyte_local_code_misses WHERE owner_id = @owner ORDER BY last_seen_at DESC, id DESC LIMIT @keep)`),
    pairOnDay: sqlite.prepare<{ lab: number; analyte: number; day: string }, Omit<PublicCertificationOnDay, 'analyteCode' | 'analyteName' | 'analyteNameEn'>>(`
      SELECT c.id, c.mark, c.scope, c.certificate_no AS certificateNo, c.valid_from AS validFrom, c.valid_to AS validTo, ${statusOn} AS status
      FROM certifications c
      WHERE c.lab_id = @lab AND c.analyte_id = @analyte AND c.valid_from <= @day AND c.valid_to >= @day
      ORDER BY c.valid_from DESC, c.id DESC`),
    pairBounds: sqlite.prepare<{ lab: number; analyte: number; day: string }, { n: number; firstFrom: string | null; lastTo: string | null }>(`
      SELECT count(*) AS n, min(valid_from) AS firstFrom, max(CASE WHEN valid_from <= @day THEN valid_to END) AS lastTo FROM certifications WHERE lab_id = @lab AND analyte_id = @analyte`),
    labOnDay: sqlite.prepare<{ lab: number; day: string }, PublicCertificationOnDay>(`
      SELECT c.id, a.code AS analyteCode, a.name_zh AS analyteName, a.name_en AS analyteNameEn, c.mark, c.scope, c.certificate_no AS certificateNo,
             c.valid_from AS validFrom, c.valid_to AS validTo, ${statusOn} AS status
      FROM certifications c JOIN analytes a ON a.id = c.analyte_id
      WHERE c.lab_id = @lab AND c.valid_from <= @day AND c.valid_to >= @day
      ORDER BY a.code, c.valid_from DESC, c.id DESC`),
    regionNames: sqlite.prepare<[], { name: string; nameEn: string }>(`SELECT name, name_en AS nameEn FROM regions`),
    certificateByNo: sqlite.prepare<{ no: string }, { id: number; labCode: string; analyteCode: string }>(`
      SELECT c.id, l.code AS labCode, a.code AS analyteCode FROM certifications c
      JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id WHERE c.certificate_no = @no`),
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof build>>();

function statements(db: DB) {
  let s = cache.get(db.$client);
  if (!s) {
    s = build(db.$client);
    cache.set(db.$client, s);
  }
  return s;
}

/** A lab code as a caller wrote it, then in capitals: lab codes are registered in capitals (GZ-001),
 * and a hospital system that lower-cases its codes (gz-001) means the same lab; a code registered
 * otherwise still matches as written first. */
export function labCodeCandidates(code: string): string[] {
  const upper = code.toUpperCase();
  return upper === code ? [code] : [code, upper];
}

/** The first of the lab code's {@link labCodeCandidates} that `find` finds. */
async function firstLabOfCandidates<T>(code: string, find: (code: string) => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
  if (holdsNul(code)) return undefined; // names nothing, and neither backend can be asked (db/nul-text.ts)
  for (const c of labCodeCandidates(code)) {
    const found = await find(c);
    if (found) return found;
  }
  return undefined;
}

export async function publicLabByCode(db: DB, code: string): Promise<PublicLab | undefined> {
  return await firstLabOfCandidates(code, (c) => (dialectOf(db) === 'pg' ? pgq.labByCode(db, c) : activeAsBoolean(statements(db).labByCode.get({ code: c }))));
}

/** SQLite has no boolean: its 0/1 read as the other backend reads it. */
export function activeAsBoolean<T extends { active: boolean }>(row: T | undefined): T | undefined {
  return row && { ...row, active: Boolean(row.active) };
}

export async function publicAnalyteByCode(db: DB, code: string): Promise<PublicAnalyte | undefined> {
  if (holdsNul(code)) return undefined; // names nothing, and neither backend can be asked (db/nul-text.ts)
  if (dialectOf(db) === 'pg') return await pgq.analyteByCode(db, code);
  return statements(db).analyteByCode.get({ code });
}

/** The catalogue item with this LOINC code (the first one, should two items share it). */
export async function publicAnalyteByLoinc(db: DB, loinc: string): Promise<PublicAnalyte | undefined> {
  if (holdsNul(loinc)) return undefined; // names nothing, and neither backend can be asked (db/nul-text.ts)
  if (dialectOf(db) === 'pg') return await pgq.analyteByLoinc(db, loinc);
  return statements(db).analyteByLoinc.get({ loinc });
}

/** A lab as batch verification needs it: its id (the pair), code, and region path (the policy). */
export type PublicLabKey = Pick<PublicLab, 'id' | 'code' | 'regionPath'>;

/** The labs among these codes, inactive ones too (their certificates answer for the days they were in
 * force), with only the columns of PublicLabKey (one statement for a whole batch). */
export async function publicLabKeysByCodes(db: DB, codes: readonly string[]): Promise<PublicLabKey[]> {
  if (dialectOf(db) === 'pg') return codes.length ? await pgq.labKeysByCodes(db, codes) : [];
  return codes.length ? statements(db).labKeysByCodes.all(JSON.stringify(codes)) : [];
}

/** The whole catalogue's codes and LOINC codes (a few hundred rows). */
export async function publicAnalyteIndex(db: DB) {
  if (dialectOf(db) === 'pg') return await pgq.analyteIndex(db);
  return statements(db).analyteIndex.all();
}

/** One integer for a lab × analyte pair (analyte ids stay below 2^20). */
export function pairKey(labId: number, analyteId: number): number {
  return labId * 1048576 + analyteId;
}

/** Every certification of these lab × analyte pairs (pairKey) with its status events (unordered):
 * PostgreSQL in one statement, SQLite in two (lib/services/recognition/pair-index.ts). */
export async function publicPairsCertificationsWithEvents(db: DB, pairKeys: readonly number[]): Promise<(PublicPairCertification & { events: PublicStatusEvent[] })[]> {
  if (!pairKeys.length) return [];
  if (dialectOf(db) === 'pg') return await pgq.pairsCertificationsWithEvents(db, pairKeys);
  const st = statements(db);
  const certs = st.pairsCertifications.all(JSON.stringify(pairKeys)).map((c) => ({ ...c, events: [] as PublicStatusEvent[] }));
  if (!certs.length) return certs;
  const byId = new Map(certs.map((c) => [c.id, c]));
  for (const e of st.certificationsEvents.all(JSON.stringify(certs.map((c) => c.id)))) byId.get(e.certificationId)?.events.push(e);
  return certs;
}

/** Whether single checks on this handle are answered in rounds (lib/services/recognition/
 * verification.ts): on PostgreSQL, where each statement is a round trip to the server, outside a
 * transaction (a round runs on the pool). SQLite reads in the process: each check its own statements. */
export function publicChecksInRounds(db: DB): boolean {
  return dialectOf(db) === 'pg' && !(db instanceof PgTransaction);
}

/** What a round of single checks on PostgreSQL reads in one statement (lib/services/recognition/
 * verification.ts): the stamps, the pairs changed since `since`, labs and catalogue items by code. */
export async function publicVerifyRound(db: DB, q: Parameters<typeof pgq.verifyRound>[1]) {
  if (dialectOf(db) !== 'pg') throw new Error('publicVerifyRound: PostgreSQL only');
  const r = await pgq.verifyRound(db, q);
  const stamp = { lastEvent: r.lastEvent ?? 0, lastCert: r.lastCert ?? 0 };
  return {
    stamp,
    policyStamp: r.policyStamp,
    // the changed pairs when the round read them all (else the index reads them itself)
    changed: r.changedEvents && r.changedCerts && q.since && stamp.lastEvent <= q.since.lastEvent + pgq.ROUND_CHANGES_LIMIT && stamp.lastCert <= q.since.lastCert + pgq.ROUND_CHANGES_LIMIT ? [...r.changedEvents, ...r.changedCerts] : null,
    labs: new Map((r.labs ?? []).map(([id, code, regionPath]) => [code, { id, code, regionPath }])),
    analytes: new Map((r.analytes ?? []).map(([id, code]) => [code, { id, code }])),
    loincs: new Map((r.loincs ?? []).map(([id, code, loinc]) => [loinc, { id, code }])),
  };
}

/** The newest certification event and certification ids: both tables only grow (events are
 * append-only, and every change of a certification writes one), so a change moves this stamp. */
export async function publicCertificationStamp(db: DB): Promise<{ lastEvent: number; lastCert: number }> {
  const s = dialectOf(db) === 'pg' ? await pgq.certificationStamp(db) : statements(db).certificationStamp.get()!;
  return { lastEvent: s.lastEvent ?? 0, lastCert: s.lastCert ?? 0 };
}

/** The pairs touched since a stamp (by new events or new certifications), a pair possibly more than once. */
export async function publicPairsChangedSince(db: DB, since: { lastEvent: number; lastCert: number }): Promise<{ labId: number; analyteId: number }[]> {
  if (dialectOf(db) === 'pg') return await pgq.pairsChangedSince(db, since);
  const st = statements(db);
  return [...st.eventPairsSince.all(since.lastEvent), ...st.certificationPairsSince.all(since.lastCert)];
}

/** Changes whenever a policy version is added (versions are never edited): invalidates caches. */
export async function publicPolicyStamp(db: DB): Promise<number> {
  if (dialectOf(db) === 'pg') return await pgq.policyStamp(db);
  return statements(db).policyStamp.get()!.stamp;
}

/** publicLabByCode and publicPolicyStamp in one statement (the single check's hot path). */
export async function publicLabByCodeWithStamp(db: DB, code: string): Promise<(PublicLab & { policyStamp: number }) | undefined> {
  return await firstLabOfCandidates(code, (c) => (dialectOf(db) === 'pg' ? pgq.labByCodeWithStamp(db, c) : activeAsBoolean(statements(db).labByCodeWithStamp.get({ code: c }))));
}

/** An account's mapped local codes among these (normalised) codes → analyte id. Always read from the
 * primary (the caller's own writes: a map just uploaded is used at once; db/replicas.ts). */
export async function localCodeMap(db: DB, ownerId: number, codes: readonly string[]): Promise<Map<string, number>> {
  if (!codes.length) return new Map();
  if (dialectOf(db) === 'pg') return new Map((await pgq.localCodes(primaryOf(db), ownerId, codes)).map((r) => [r.localCode, r.analyteId]));
  return new Map(statements(db).localCodes.all({ owner: ownerId, codes: JSON.stringify(codes) }).map((r) => [r.localCode, r.analyteId]));
}

/** How many unresolved codes are kept per account (the most recently seen). */
export const MAX_MISSES_PER_OWNER = 5_000;

/** Remember local codes an account sent that resolved to nothing (count and last time seen); only
 * the MAX_MISSES_PER_OWNER most recent stay, so a client sending junk cannot grow the table. A write:
 * on the primary even when `db` is a read replica's (db/replicas.ts). */
export async function recordLocalCodeMisses(db: DB, ownerId: number, given: readonly string[], now: number): Promise<void> {
  // a code holding a NUL character is no code a hospital can map (neither backend stores one)
  const codes = given.filter((c) => !holdsNul(c));
  if (!codes.length) return;
  if (dialectOf(db) === 'pg') return await pgq.recordMisses(primaryOf(db), ownerId, codes, now, MAX_MISSES_PER_OWNER);
  const st = statements(db);
  db.$client.transaction(() => {
    for (const code of codes) st.recordMiss.run({ owner: ownerId, code, now });
    st.pruneMisses.run({ owner: ownerId, keep: MAX_MISSES_PER_OWNER });
  })();
}

/** Certifications of a lab × analyte whose window covers the day, with their status on that day. */
export async function publicPairOnDay(db: DB, lab: number, analyte: number, day: string) {
  if (dialectOf(db) === 'pg') return await pgq.pairOnDay(db, lab, analyte, day);
  return statements(db).pairOnDay.all({ lab, analyte, day });
}

/** How many certifications a pair ever had, the first one's start, and the latest end among those
 * that started on or before `day` (to explain a "no": answerFrom). */
export async function publicPairBounds(db: DB, lab: number, analyte: number, day: string) {
  if (dialectOf(db) === 'pg') return await pgq.pairBounds(db, lab, analyte, day);
  return statements(db).pairBounds.get({ lab, analyte, day })!;
}

/** Certifications of a lab whose window covers the day, with their status on that day. */
export async function publicLabOnDay(db: DB, lab: number, day: string): Promise<PublicCertificationOnDay[]> {
  if (dialectOf(db) === 'pg') return await pgq.labOnDay(db, lab, day);
  return statements(db).labOnDay.all({ lab, day });
}

export async function publicCertificateByNo(db: DB, no: string) {
  if (holdsNul(no)) return undefined; // names nothing, and neither backend can be asked (db/nul-text.ts)
  if (dialectOf(db) === 'pg') return await pgq.certificateByNo(db, no);
  return statements(db).certificateByNo.get({ no });
}

/** Region names in English by their Chinese name (a certification's scope is stored as the name). */
export async function publicRegionNamesEn(db: DB): Promise<Map<string, string>> {
  if (dialectOf(db) === 'pg') return new Map((await pgq.regionNames(db)).map((r) => [r.name, r.nameEn]));
  return new Map(statements(db).regionNames.all().map((r) => [r.name, r.nameEn]));
}

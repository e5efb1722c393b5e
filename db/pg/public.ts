// PostgreSQL side of the public verification reads (db/queries/public.ts has the SQLite prepared
// statements and the exported functions, which call these when the handle is PostgreSQL). Lists of
// keys travel as one array parameter (= ANY / unnest), as SQLite's travel as one JSON text.
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect, PgTransaction } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { DB } from '../client';
import { rawAll, rawGet } from '../dialect';
import { withTx } from '../tx';
import type { PublicAnalyte, PublicCertificationOnDay, PublicLab, PublicLabKey, PublicPairCertification, PublicStatusEvent } from '../queries/public';
import { arrayParam } from './array-param';
import { holdsNul } from '../nul-text';

const dialect = new PgDialect();

// PostgreSQL text cannot hold NUL (U+0000) and refuses a whole parameter that does: a key with one
// names no row, so it is not sent (the single keys: db/queries/public.ts)
const sendable = (keys: readonly string[]) => (keys.some(holdsNul) ? keys.filter((k) => !holdsNul(k)) : keys);

/** The rows of a statement run for every round of checks, prepared once per connection under `name`
 * (its text never varies, only its parameters), so PostgreSQL plans it once instead of at each call
 * (about half its time on the bench's data). Inside a transaction: as any raw statement. */
async function preparedRows<T>(db: DB, name: string, q: SQL): Promise<T[]> {
  const pool = (db as unknown as { $client?: pg.Pool }).$client;
  if (!pool || db instanceof PgTransaction) return await rawAll<T>(db, q);
  const { sql: text, params } = dialect.sqlToQuery(q);
  return (await pool.query({ name, text, values: params })).rows as T[];
}

const POLICY_STAMP = sql`(SELECT coalesce(max(id), 0) FROM recognition_policies)`;
const LAB_COLUMNS = sql.raw(`l.id, l.code, l.name, l.name_en AS "nameEn", l.level, l.address, r.code AS "regionCode", r.name AS "regionName", r.name_en AS "regionNameEn", r.path AS "regionPath", l.active`);
const statusOn = (day: string) => sql`(SELECT e.to_status FROM certification_events e
  WHERE e.certification_id = c.id AND e.effective_on <= ${day} AND e.to_status IS NOT NULL
  ORDER BY e.effective_on DESC, e.id DESC LIMIT 1)`;
const ANALYTE = sql.raw(`id, code, name_en AS "nameEn", name_zh AS "nameZh"`);

export const labByCode = (db: DB, code: string) =>
  rawGet<PublicLab>(db, sql`SELECT ${LAB_COLUMNS} FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = ${code}`);

export const labByCodeWithStamp = (db: DB, code: string) =>
  rawGet<PublicLab & { policyStamp: number }>(
    db,
    sql`SELECT ${LAB_COLUMNS}, ${POLICY_STAMP} AS "policyStamp" FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = ${code}`,
  );

export const analyteByCode = (db: DB, code: string) => rawGet<PublicAnalyte>(db, sql`SELECT ${ANALYTE} FROM analytes WHERE code = ${code}`);

export const analyteByLoinc = (db: DB, loinc: string) => rawGet<PublicAnalyte>(db, sql`SELECT ${ANALYTE} FROM analytes WHERE loinc = ${loinc} ORDER BY id LIMIT 1`);

export const labKeysByCodes = (db: DB, codes: readonly string[]) =>
  rawAll<PublicLabKey>(
    db,
    sql`SELECT l.id, l.code, r.path AS "regionPath" FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = ANY(${arrayParam(sendable(codes))}::text[])`,
  );

export const analyteIndex = (db: DB) => rawAll<{ id: number; code: string; loinc: string | null }>(db, sql`SELECT id, code, loinc FROM analytes ORDER BY id`);

/** The pairs' certifications with their status events (json [id, effective day, status]) in one statement. */
export const pairsCertificationsWithEvents = async (db: DB, pairKeys: readonly number[]) =>
  (
    await preparedRows<PublicPairCertification & { events: [number, string, string][] | null }>(
      db,
      'labqc_verify_pairs',
      sql`SELECT c.id, c.lab_id AS "labId", c.analyte_id AS "analyteId", c.mark, c.scope, c.certificate_no AS "certificateNo", c.valid_from AS "validFrom", c.valid_to AS "validTo",
                 (SELECT json_agg(json_build_array(e.id, e.effective_on, e.to_status)) FROM certification_events e
                   WHERE e.certification_id = c.id AND e.lab_id = c.lab_id AND e.to_status IS NOT NULL) AS events
          FROM unnest(${arrayParam(pairKeys)}::bigint[]) AS j(value) JOIN certifications c ON c.lab_id = (j.value >> 20) AND c.analyte_id = (j.value & 1048575)`,
    )
  ).map((c) => ({ ...c, events: (c.events ?? []).map(([id, effectiveOn, toStatus]): PublicStatusEvent => ({ id, certificationId: c.id, effectiveOn, toStatus })) }));

/** A round reads the changed rows of each table among the next this many ids after its stamp (when
 * the newest id is further on, the caller reads the changes on its own). Bounded on both sides, the
 * range is planned on the id index however stale the table's statistics (a plain `id > $1` is
 * planned as a sequential scan of a table just filled: the default third of its rows). */
export const ROUND_CHANGES_LIMIT = 10_000;

/** What a round of single verify checks reads, in ONE statement (one snapshot): the certification and
 * policy stamps, the pairs changed since the caller's stamp (pairKey numbers, per table, those of
 * the next ROUND_CHANGES_LIMIT ids; null without a stamp), the active labs among the codes, the catalogue
 * items by code and by LOINC code (the first by id). */
export const verifyRound = async (db: DB, q: { since: { lastEvent: number; lastCert: number } | null; labs: readonly string[]; codes: readonly string[]; loincs: readonly string[] }) =>
  (await preparedRows<{
    lastEvent: number | null;
    lastCert: number | null;
    policyStamp: number;
    changedEvents: number[] | null;
    changedCerts: number[] | null;
    labs: [number, string, string][] | null;
    analytes: [number, string][] | null;
    loincs: [number, string, string][] | null;
  }>(
    db,
    q.since === null ? 'labqc_verify_round_first' : 'labqc_verify_round',
    sql`SELECT (SELECT max(id) FROM certification_events) AS "lastEvent", (SELECT max(id) FROM certifications) AS "lastCert", ${POLICY_STAMP} AS "policyStamp",
      ${q.since === null
        ? sql`NULL::json AS "changedEvents", NULL::json AS "changedCerts"`
        : sql`(SELECT coalesce(json_agg(k), '[]') FROM (SELECT lab_id * 1048576 + analyte_id AS k FROM certification_events WHERE id > ${q.since.lastEvent} AND id <= ${q.since.lastEvent + ROUND_CHANGES_LIMIT}) ch) AS "changedEvents",
              (SELECT coalesce(json_agg(k), '[]') FROM (SELECT lab_id * 1048576 + analyte_id AS k FROM certifications WHERE id > ${q.since.lastCert} AND id <= ${q.since.lastCert + ROUND_CHANGES_LIMIT}) ch) AS "changedCerts"`},
      (SELECT json_agg(json_build_array(l.id, l.code, r.path)) FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = ANY(${arrayParam(sendable(q.labs))}::text[])) AS labs,
      (SELECT json_agg(json_build_array(a.id, a.code)) FROM analytes a WHERE a.code = ANY(${arrayParam(sendable(q.codes))}::text[])) AS analytes,
      (SELECT json_agg(json_build_array(x.id, x.code, x.loinc)) FROM (SELECT DISTINCT ON (a.loinc) a.id, a.code, a.loinc FROM analytes a
         WHERE a.loinc = ANY(${arrayParam(sendable(q.loincs))}::text[]) ORDER BY a.loinc, a.id) x) AS loincs`,
  ))[0];

export const certificationStamp = async (db: DB) =>
  (await rawGet<{ lastEvent: number | null; lastCert: number | null }>(
    db,
    sql`SELECT (SELECT max(id) FROM certification_events) AS "lastEvent", (SELECT max(id) FROM certifications) AS "lastCert"`,
  ))!;

export const pairsChangedSince = async (db: DB, since: { lastEvent: number; lastCert: number }) => [
  ...(await rawAll<{ labId: number; analyteId: number }>(db, sql`SELECT DISTINCT lab_id AS "labId", analyte_id AS "analyteId" FROM certification_events WHERE id > ${since.lastEvent}`)),
  ...(await rawAll<{ labId: number; analyteId: number }>(db, sql`SELECT DISTINCT lab_id AS "labId", analyte_id AS "analyteId" FROM certifications WHERE id > ${since.lastCert}`)),
];

export const policyStamp = async (db: DB) => (await rawGet<{ stamp: number }>(db, sql`SELECT ${POLICY_STAMP} AS stamp`))!.stamp;

export const localCodes = (db: DB, owner: number, codes: readonly string[]) =>
  rawAll<{ localCode: string; analyteId: number }>(
    db,
    sql`SELECT m.local_code AS "localCode", m.analyte_id AS "analyteId" FROM analyte_local_codes m WHERE m.owner_id = ${owner} AND m.local_code = ANY(${arrayParam(sendable(codes))}::text[])`,
  );

export async function recordMisses(db: DB, owner: number, codes: readonly string[], now: number, keep: number): Promise<void> {
  await withTx(db, async (tx) => {
    // one statement for the batch's codes (distinct: ON CONFLICT cannot touch a row twice)
    await rawAll(
      tx,
      sql`INSERT INTO analyte_local_code_misses (owner_id, local_code, seen, first_seen_at, last_seen_at)
          SELECT ${owner}::bigint, code, count(*), ${now}::bigint, ${now}::bigint FROM unnest(${arrayParam(codes)}::text[]) AS j(code) GROUP BY code
          ON CONFLICT (owner_id, local_code) DO UPDATE SET seen = analyte_local_code_misses.seen + excluded.seen, last_seen_at = excluded.last_seen_at`,
    );
    await rawAll(
      tx,
      sql`DELETE FROM analyte_local_code_misses WHERE owner_id = ${owner} AND id NOT IN
          (SELECT id FROM analyte_local_code_misses WHERE owner_id = ${owner} ORDER BY last_seen_at DESC, id DESC LIMIT ${keep})`,
    );
  });
}

export const pairOnDay = (db: DB, lab: number, analyte: number, day: string) =>
  rawAll<Omit<PublicCertificationOnDay, 'analyteCode' | 'analyteName' | 'analyteNameEn'>>(
    db,
    sql`SELECT c.id, c.mark, c.scope, c.certificate_no AS "certificateNo", c.valid_from AS "validFrom", c.valid_to AS "validTo", ${statusOn(day)} AS status
        FROM certifications c
        WHERE c.lab_id = ${lab} AND c.analyte_id = ${analyte} AND c.valid_from <= ${day} AND c.valid_to >= ${day}
        ORDER BY c.valid_from DESC, c.id DESC`,
  );

export const pairBounds = async (db: DB, lab: number, analyte: number, day: string) =>
  (await rawGet<{ n: number; firstFrom: string | null; lastTo: string | null }>(
    db,
    sql`SELECT count(*) AS n, min(valid_from) AS "firstFrom", max(valid_to) FILTER (WHERE valid_from <= ${day}) AS "lastTo" FROM certifications WHERE lab_id = ${lab} AND analyte_id = ${analyte}`,
  ))!;

export const labOnDay = (db: DB, lab: number, day: string) =>
  rawAll<PublicCertificationOnDay>(
    db,
    sql`SELECT c.id, a.code AS "analyteCode", a.name_zh AS "analyteName", a.name_en AS "analyteNameEn", c.mark, c.scope, c.certificate_no AS "certificateNo",
               c.valid_from AS "validFrom", c.valid_to AS "validTo", ${statusOn(day)} AS status
        FROM certifications c JOIN analytes a ON a.id = c.analyte_id
        WHERE c.lab_id = ${lab} AND c.valid_from <= ${day} AND c.valid_to >= ${day}
        ORDER BY a.code, c.valid_from DESC, c.id DESC`,
  );

export const regionNames = (db: DB) => rawAll<{ name: string; nameEn: string }>(db, sql`SELECT name, name_en AS "nameEn" FROM regions`);

export const certificateByNo = (db: DB, no: string) =>
  rawGet<{ id: number; labCode: string; analyteCode: string }>(
    db,
    sql`SELECT c.id, l.code AS "labCode", a.code AS "analyteCode" FROM certifications c
        JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id WHERE c.certificate_no = ${no}`,
  );

// Reads of the FHIR R4 interface (lib/fhir/*): labs found by identifier or name, every certification
// of a lab with its status on a day, and the regions that issue certifications. Certification data
// only, like db/queries/public.ts (active labs; never QC values, EQA results or user data).
// SQLite: statements prepared once per handle; PostgreSQL: the same reads as raw SQL (pg* below).
import type Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import type { DB } from '../client';
import { dialectOf, likeCi, rawAll, rawGet } from '../dialect';
import { activeAsBoolean, type PublicLab } from './public';

/** A certification of a lab as the FHIR resources show it. */
export interface FhirCertification {
  id: number;
  analyteCode: string;
  analyteNameZh: string;
  analyteNameEn: string;
  loinc: string | null;
  mark: string;
  scope: string;
  scopeRegionCode: string;
  scopeRegionNameEn: string;
  certificateNo: string;
  validFrom: string;
  validTo: string;
  /** status on the day asked (the latest status event effective on or before it), null before approval */
  status: string | null;
  /** the effective day of that event */
  statusOn: string | null;
}

export interface FhirRegion {
  code: string;
  name: string;
  nameEn: string;
  level: string;
  parentCode: string | null;
}

/** An event that changed a certification's status: its latest gives the status and statusDate. A
 * flag (the system's "EQA unsuccessful, for review") keeps the status and is the regulator's
 * business: it must not move the public statusDate. */
const STATUS_CHANGE = `e.to_status IS NOT NULL AND (e.from_status IS NULL OR e.from_status <> e.to_status)`;

const LAB_COLUMNS = `l.id, l.code, l.name, l.name_en AS nameEn, l.level, l.address, r.code AS regionCode, r.name AS regionName, r.name_en AS regionNameEn, r.path AS regionPath, l.active`;

function build(sqlite: Database.Database) {
  const latestEvent = `FROM certification_events e WHERE e.certification_id = c.id AND e.effective_on <= @day AND ${STATUS_CHANGE} ORDER BY e.effective_on DESC, e.id DESC LIMIT 1`;
  return {
    // name: the FHIR string search (case-insensitive prefix of the name or the English name; `contains`
    // anywhere); a LIKE pattern built by the caller with its wildcards escaped
    labs: sqlite.prepare<{ code: string | null; name: string | null; exact: string | null; limit: number; offset: number }, PublicLab>(`
      SELECT ${LAB_COLUMNS} FROM laboratories l JOIN regions r ON r.id = l.region_id
      WHERE (@code IS NULL AND l.active = 1 OR l.code = @code)
        AND (@name IS NULL OR l.name LIKE @name ESCAPE '\\' OR l.name_en LIKE @name ESCAPE '\\')
        AND (@exact IS NULL OR l.name = @exact OR l.name_en = @exact)
      ORDER BY l.code LIMIT @limit OFFSET @offset`),
    labsCount: sqlite.prepare<{ code: string | null; name: string | null; exact: string | null }, { n: number }>(`
      SELECT count(*) AS n FROM laboratories l
      WHERE (@code IS NULL AND l.active = 1 OR l.code = @code)
        AND (@name IS NULL OR l.name LIKE @name ESCAPE '\\' OR l.name_en LIKE @name ESCAPE '\\')
        AND (@exact IS NULL OR l.name = @exact OR l.name_en = @exact)`),
    certifications: sqlite.prepare<{ lab: number; day: string }, FhirCertification>(`
      SELECT c.id, a.code AS analyteCode, a.name_zh AS analyteNameZh, a.name_en AS analyteNameEn, a.loinc, c.mark, c.scope,
             sr.code AS scopeRegionCode, sr.name_en AS scopeRegionNameEn, c.certificate_no AS certificateNo, c.valid_from AS validFrom, c.valid_to AS validTo,
             (SELECT e.to_status ${latestEvent}) AS status, (SELECT e.effective_on ${latestEvent}) AS statusOn
      FROM certifications c JOIN analytes a ON a.id = c.analyte_id JOIN regions sr ON sr.id = c.scope_region_id
      WHERE c.lab_id = @lab
      ORDER BY a.code, c.valid_from DESC, c.id DESC`),
    region: sqlite.prepare<{ code: string }, FhirRegion>(`
      SELECT r.code, r.name, r.name_en AS nameEn, r.level, p.code AS parentCode FROM regions r LEFT JOIN regions p ON p.id = r.parent_id WHERE r.code = @code`),
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

/** A LIKE pattern for a FHIR string search: prefix (default) or `contains`. */
function likePattern(name: string, modifier: 'contains' | 'exact' | null): string {
  const escaped = name.replace(/[\\%_]/g, (c) => `\\${c}`);
  return modifier === 'contains' ? `%${escaped}%` : `${escaped}%`;
}

const PG_LAB_COLUMNS = sql.raw(LAB_COLUMNS.replace(/ AS (\w+)/g, ' AS "$1"'));
const pgLatestEvent = (day: string) =>
  sql`FROM certification_events e WHERE e.certification_id = c.id AND e.effective_on <= ${day} AND ${sql.raw(STATUS_CHANGE)} ORDER BY e.effective_on DESC, e.id DESC LIMIT 1`;

function pgLabFilter(p: { code: string | null; name: string | null; exact: string | null }): SQL {
  return sql`${p.code !== null ? sql`l.code = ${p.code}` : sql`l.active`} ${p.name !== null ? sql`AND (${likeCi(sql`l.name`, p.name)} OR ${likeCi(sql`l.name_en`, p.name)})` : sql``} ${p.exact !== null ? sql`AND (l.name = ${p.exact} OR l.name_en = ${p.exact})` : sql``}`;
}

/** Labs by code (exact: an inactive one too, `active` false) and/or name (active ones only), ordered
 * by code, one page, and how many match in all. */
export async function fhirSearchLabs(db: DB, f: { code?: string; name?: string; nameModifier?: 'contains' | 'exact' | null; limit: number; offset: number }) {
  // :exact is equality, letter case included (a LIKE ignores case)
  const exact = f.name !== undefined && f.nameModifier === 'exact' ? f.name : null;
  const p = { code: f.code ?? null, name: f.name !== undefined && exact === null ? likePattern(f.name, f.nameModifier ?? null) : null, exact };
  if (dialectOf(db) === 'pg') {
    const where = pgLabFilter(p);
    const labs = await rawAll<PublicLab>(db, sql`SELECT ${PG_LAB_COLUMNS} FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE ${where} ORDER BY l.code LIMIT ${f.limit} OFFSET ${f.offset}`);
    const total = (await rawGet<{ n: number }>(db, sql`SELECT count(*) AS n FROM laboratories l WHERE ${where}`))!.n;
    return { labs, total };
  }
  const s = statements(db);
  return { labs: s.labs.all({ ...p, limit: f.limit, offset: f.offset }).map((l) => activeAsBoolean(l)!), total: s.labsCount.get(p)!.n };
}

/** Every certification of a lab, with its status on the day. */
export async function fhirLabCertifications(db: DB, labId: number, day: string): Promise<FhirCertification[]> {
  if (dialectOf(db) === 'pg')
    return await rawAll<FhirCertification>(
      db,
      sql`SELECT c.id, a.code AS analyteCode, a.name_zh AS analyteNameZh, a.name_en AS analyteNameEn, a.loinc, c.mark, c.scope,
             sr.code AS scopeRegionCode, sr.name_en AS scopeRegionNameEn, c.certificate_no AS certificateNo, c.valid_from AS validFrom, c.valid_to AS validTo,
             (SELECT e.to_status ${pgLatestEvent(day)}) AS status, (SELECT e.effective_on ${pgLatestEvent(day)}) AS statusOn
      FROM certifications c JOIN analytes a ON a.id = c.analyte_id JOIN regions sr ON sr.id = c.scope_region_id
      WHERE c.lab_id = ${labId}
      ORDER BY a.code, c.valid_from DESC, c.id DESC`,
    );
  return statements(db).certifications.all({ lab: labId, day });
}

export async function fhirRegionByCode(db: DB, code: string): Promise<FhirRegion | undefined> {
  if (dialectOf(db) === 'pg')
    return await rawGet<FhirRegion>(
      db,
      sql`SELECT r.code, r.name, r.name_en AS nameEn, r.level, p.code AS parentCode FROM regions r LEFT JOIN regions p ON p.id = r.parent_id WHERE r.code = ${code}`,
    );
  return statements(db).region.get({ code });
}

// The public verification reads: prepared once per database handle, indexed, and limited to
// certification data (never QC values, EQA results or user data). Used by the public pages and the
// anonymous JSON API, which must answer thousands of requests per second.
import type Database from 'better-sqlite3';
import type { DB } from '../client';

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

function build(sqlite: Database.Database) {
  // status of certification c on day :day = the status set by its latest event effective on or before
  // that day (null when it had not been approved yet)
  const statusOn = `(SELECT e.to_status FROM certification_events e
      WHERE e.certification_id = c.id AND e.effective_on <= @day AND e.to_status IS NOT NULL
      ORDER BY e.effective_on DESC, e.id DESC LIMIT 1)`;
  return {
    labByCode: sqlite.prepare<{ code: string }, PublicLab>(`
      SELECT l.id, l.code, l.name, l.name_en AS nameEn, l.level, l.address, r.code AS regionCode, r.name AS regionName, r.name_en AS regionNameEn
      FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.code = @code AND l.active = 1`),
    analyteByCode: sqlite.prepare<{ code: string }, PublicAnalyte>(`SELECT id, code, name_en AS nameEn, name_zh AS nameZh FROM analytes WHERE code = @code`),
    pairOnDay: sqlite.prepare<{ lab: number; analyte: number; day: string }, Omit<PublicCertificationOnDay, 'analyteCode' | 'analyteName' | 'analyteNameEn'>>(`
      SELECT c.id, c.mark, c.scope, c.certificate_no AS certificateNo, c.valid_from AS validFrom, c.valid_to AS validTo, ${statusOn} AS status
      FROM certifications c
      WHERE c.lab_id = @lab AND c.analyte_id = @analyte AND c.valid_from <= @day AND c.valid_to >= @day
      ORDER BY c.valid_from DESC, c.id DESC`),
    pairBounds: sqlite.prepare<{ lab: number; analyte: number }, { n: number; firstFrom: string | null; lastTo: string | null }>(`
      SELECT count(*) AS n, min(valid_from) AS firstFrom, max(valid_to) AS lastTo FROM certifications WHERE lab_id = @lab AND analyte_id = @analyte`),
    labOnDay: sqlite.prepare<{ lab: number; day: string }, PublicCertificationOnDay>(`
      SELECT c.id, a.code AS analyteCode, a.name_zh AS analyteName, a.name_en AS analyteNameEn, c.mark, c.scope, c.certificate_no AS certificateNo,
             c.valid_from AS validFrom, c.valid_to AS validTo, ${statusOn} AS status
      FROM certifications c JOIN analytes a ON a.id = c.analyte_id
      WHERE c.lab_id = @lab AND c.valid_from <= @day AND c.valid_to >= @day
      ORDER BY a.code, c.valid_from DESC`),
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

export function publicLabByCode(db: DB, code: string): PublicLab | undefined {
  return statements(db).labByCode.get({ code });
}

export function publicAnalyteByCode(db: DB, code: string): PublicAnalyte | undefined {
  return statements(db).analyteByCode.get({ code });
}

/** Certifications of a lab × analyte whose window covers the day, with their status on that day. */
export function publicPairOnDay(db: DB, lab: number, analyte: number, day: string) {
  return statements(db).pairOnDay.all({ lab, analyte, day });
}

/** How many certifications a pair ever had, and their overall window (to explain a "no"). */
export function publicPairBounds(db: DB, lab: number, analyte: number) {
  return statements(db).pairBounds.get({ lab, analyte })!;
}

/** Certifications of a lab whose window covers the day, with their status on that day. */
export function publicLabOnDay(db: DB, lab: number, day: string): PublicCertificationOnDay[] {
  return statements(db).labOnDay.all({ lab, day });
}

export function publicCertificateByNo(db: DB, no: string) {
  return statements(db).certificateByNo.get({ no });
}

/** Region names in English by their Chinese name (a certification's scope is stored as the name). */
export function publicRegionNamesEn(db: DB): Map<string, string> {
  return new Map(statements(db).regionNames.all().map((r) => [r.name, r.nameEn]));
}

// Public verification for hospitals and doctors (no account): find a lab, list what it is recognised
// for, and answer "was lab L recognised for test T on day D, and in which region?". Answers come
// from certification events effective on or before D, so later decisions never change an earlier
// day's answer. Certification data only.
import type { DB } from '@/db/client';
import { listLabs } from '@/db/queries/labs';
import { publicAnalyteByCode, publicLabByCode, publicLabOnDay, publicPairBounds, publicPairOnDay } from '@/db/queries/public';
import { AppError, fieldError } from '@/lib/errors';
import { ALL_DATA } from '@/lib/auth/scope';
import { zodFieldErrors } from '@/lib/validation/errors';
import { isoDay, labSearchQuery, verifyQuery } from '@/lib/validation/recognition';
import { dayOf } from '@/lib/calendar';

export type VerifyReason = 'recognized' | 'suspended' | 'revoked' | 'expired' | 'not_yet_certified' | 'not_certified';

export interface VerifyAnswer {
  recognized: boolean;
  mark?: string;
  scope?: string;
  certificateNo?: string;
  validFrom?: string;
  validTo?: string;
  /** status of the certification on that day, when there is one */
  status?: string;
  date: string;
  reason: VerifyReason;
}

const labAnalyteQuery = verifyQuery.omit({ date: true });

function parseDay(v: unknown, now: number): string {
  if (v === undefined || v === null || v === '') return dayOf(now);
  const r = isoDay.safeParse(v);
  if (!r.success) throw new AppError('recognition.invalidDateTitle', {}, [fieldError('recognition.invalidDate', {}, 'date')]);
  return r.data;
}

export function verifyRecognition(db: DB, input: { lab?: unknown; analyte?: unknown; date?: unknown }, opts: { now?: number } = {}): VerifyAnswer {
  const q = labAnalyteQuery.safeParse(input);
  if (!q.success) throw AppError.invalid('Invalid query', zodFieldErrors(q.error));
  const day = parseDay(input.date, opts.now ?? Date.now());
  const lab = publicLabByCode(db, q.data.lab);
  if (!lab) throw new AppError('lab.notFound', { lab: q.data.lab });
  const analyte = publicAnalyteByCode(db, q.data.analyte.toUpperCase());
  if (!analyte) throw new AppError('analyte.notFound', { analyte: q.data.analyte });
  const rows = publicPairOnDay(db, lab.id, analyte.id, day);
  const hit = rows.find((r) => r.status === 'active') ?? rows.find((r) => r.status !== null);
  if (hit) {
    const recognized = hit.status === 'active';
    return {
      recognized,
      mark: hit.mark,
      scope: hit.scope,
      certificateNo: hit.certificateNo,
      validFrom: hit.validFrom,
      validTo: hit.validTo,
      status: hit.status,
      date: day,
      reason: recognized ? 'recognized' : hit.status === 'suspended' ? 'suspended' : hit.status === 'revoked' ? 'revoked' : 'expired',
    };
  }
  const b = publicPairBounds(db, lab.id, analyte.id);
  const reason: VerifyReason = !b.n ? 'not_certified' : b.firstFrom && day < b.firstFrom ? 'not_yet_certified' : b.lastTo && day > b.lastTo ? 'expired' : 'not_certified';
  return { recognized: false, date: day, reason };
}

/** The certifications of a lab whose window covers the day (today by default), with their status on
 * that day; the API contract's shape. */
export function labCertifications(db: DB, labCode: string, date: unknown, opts: { now?: number } = {}) {
  const day = parseDay(date, opts.now ?? Date.now());
  const lab = publicLabByCode(db, labCode);
  if (!lab) throw new AppError('lab.notFound', { lab: labCode });
  return {
    lab,
    day,
    certifications: publicLabOnDay(db, lab.id, day).filter((c) => c.status !== null),
  };
}

/** Find labs by name or code, optionally within a region (its code, any level). */
export function searchLabs(db: DB, input: { q?: unknown; region?: unknown }) {
  const p = labSearchQuery.safeParse({ q: input.q ?? undefined, region: input.region ?? undefined });
  if (!p.success) throw AppError.invalid('Invalid query', zodFieldErrors(p.error));
  return listLabs(db, { scope: ALL_DATA, q: p.data.q || undefined, regionCode: p.data.region, activeOnly: true, limit: 50 }).map((l) => ({
    code: l.code,
    name: l.name,
    nameEn: l.nameEn,
    regionCode: l.regionCode,
    regionName: l.regionName,
    regionNameEn: l.regionNameEn,
    level: l.level,
  }));
}

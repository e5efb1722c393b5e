// Certificates: per lab, the tests it is recognised for today with their marks and windows, and a
// QR code (SVG, rendered on the server) that links to the lab's public verification page.
import QRCode from 'qrcode';
import type { DB } from '@/db/client';
import { listCertificationEvents, listCertificationsForLab } from '@/db/queries/recognition';
import { publicCertificateByNo, publicLabByCode, publicLabOnDay } from '@/db/queries/public';
import { findLabByCode } from '@/db/queries/labs';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { dayOf } from '@/lib/calendar';
import { mapSeq } from '@/lib/async';

/** Public: the lab's certificate (active certifications today). */
export async function certificateForLab(db: DB, labCode: string, opts: { now?: number } = {}) {
  const lab = await publicLabByCode(db, labCode);
  if (!lab) throw new AppError('lab.notFound', { lab: labCode });
  const day = dayOf(opts.now ?? Date.now());
  const all = await publicLabOnDay(db, lab.id, day);
  return { lab, day, recognised: all.filter((c) => c.status === 'active'), suspended: all.filter((c) => c.status === 'suspended') };
}

/** Public: which lab and analyte a certificate number belongs to (the page then verifies it). */
export async function findCertificate(db: DB, certificateNo: string) {
  const c = await publicCertificateByNo(db, certificateNo.trim());
  if (!c) throw new AppError('certificate.notFound', { certificateNo });
  return c;
}

/** A QR code as an SVG string (error correction M). */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width: 160 });
}

/** For signed-in users with the right: every certification of a lab with its decision history. */
export async function certificationHistory(db: DB, actor: Actor, labCode: string) {
  const lab = await findLabByCode(db, labCode);
  if (!lab) throw new AppError('lab.notFound', { lab: labCode });
  if (!can(actor, 'eligibility.read', { labId: lab.lab.id, regionPath: lab.regionPath })) throw new AppError('auth.forbidden');
  return (await mapSeq((await listCertificationsForLab(db, lab.lab.id)), async (c) => ({ ...c, events: await listCertificationEvents(db, c.id) })));
}

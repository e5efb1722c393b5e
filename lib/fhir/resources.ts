// FHIR R4 resources built from LabQC's certification data: a lab and a region's recognition authority
// as Organization, a certification as the R5 qualification extension and as VerificationResult,
// searchset Bundles and OperationOutcome. Plain JSON objects; the tests validate every one against the
// official R4 StructureDefinitions (test/support/fhir.ts).
import type { PublicLab } from '@/db/queries/public';
import type { FhirCertification, FhirRegion } from '@/db/queries/fhir';
import {
  CERTIFICATE_SYSTEM,
  CERTIFICATION_EXT,
  ITEM_CODE_SYSTEM,
  LAB_CODE_SYSTEM,
  LOINC_SYSTEM,
  MARK_SYSTEM,
  ORGANIZATION_TYPE_SYSTEM,
  QUALIFICATION_EXT,
  REASON_SYSTEM,
  REGION_CODE_SYSTEM,
  VALIDATION_PROCESS_SYSTEM,
} from './constants';

/** A FHIR resource as JSON. */
export type FhirResource = { resourceType: string; id?: string } & Record<string, unknown>;

/** FHIR ids are `[A-Za-z0-9\-\.]{1,64}`; lab codes are `[A-Za-z0-9][A-Za-z0-9_-]{1,39}`, so `_`
 * becomes `.` (which no lab code holds: the mapping is one to one). */
export function labFhirId(code: string): string {
  return code.replace(/_/g, '.');
}
export function labCodeOfFhirId(id: string): string {
  return id.replace(/\./g, '_');
}
/** A region's recognition authority: `region-440000`. */
export function regionFhirId(code: string): string {
  return `region-${code}`;
}
export const REGION_ID = /^region-(\d{6})$/;

const orgType = (code: 'prov' | 'govt', display: string) => [{ coding: [{ system: ORGANIZATION_TYPE_SYSTEM, code, display }] }];

export function labReference(lab: { code: string; name: string }) {
  return { reference: `Organization/${labFhirId(lab.code)}`, type: 'Organization', identifier: { system: LAB_CODE_SYSTEM, value: lab.code }, display: lab.name };
}

export function regionReference(code: string, name: string) {
  return { reference: `Organization/${regionFhirId(code)}`, type: 'Organization', identifier: { system: REGION_CODE_SYSTEM, value: code }, display: name };
}

/** A catalogue item: its LabQC code, its LOINC code when the catalogue knows it, the Chinese name as text. */
export function itemConcept(c: { analyteCode: string; analyteNameEn: string; analyteNameZh: string; loinc: string | null }) {
  return {
    coding: [{ system: ITEM_CODE_SYSTEM, code: c.analyteCode, display: c.analyteNameEn }, ...(c.loinc ? [{ system: LOINC_SYSTEM, code: c.loinc }] : [])],
    text: c.analyteNameZh,
  };
}

/** The R5 Organization.qualification of a certification: certificate number, item, validity, issuer. */
export function qualificationExtension(c: FhirCertification) {
  return {
    url: QUALIFICATION_EXT,
    extension: [
      { url: 'identifier', valueIdentifier: { system: CERTIFICATE_SYSTEM, value: c.certificateNo } },
      { url: 'code', valueCodeableConcept: itemConcept(c) },
      { url: 'period', valuePeriod: { start: c.validFrom, end: c.validTo } },
      { url: 'issuer', valueReference: regionReference(c.scopeRegionCode, c.scope) },
    ],
  };
}

/**
 * A lab as Organization. Its qualifications are the certifications in force on the day (status
 * active and the day within their validity): what a report may carry a mark for. Suspended, revoked
 * and expired ones are VerificationResults only.
 */
export function labOrganization(lab: PublicLab, certifications: readonly FhirCertification[], day: string): FhirResource {
  const inForce = certifications.filter((c) => c.status === 'active' && c.validFrom <= day && c.validTo >= day);
  return {
    resourceType: 'Organization',
    id: labFhirId(lab.code),
    ...(inForce.length ? { extension: inForce.map(qualificationExtension) } : {}),
    identifier: [{ use: 'official', system: LAB_CODE_SYSTEM, value: lab.code }],
    // a deactivated lab is still read (its certificates answer for the days they were in force)
    active: lab.active,
    type: orgType('prov', 'Healthcare Provider'),
    name: lab.name,
    ...(lab.nameEn ? { alias: [lab.nameEn] } : {}),
    ...(lab.address ? { address: [{ text: lab.address }] } : {}),
  };
}

/** A region as the authority that issues its recognition marks (the issuer of a qualification). */
export function regionOrganization(r: FhirRegion): FhirResource {
  return {
    resourceType: 'Organization',
    id: regionFhirId(r.code),
    identifier: [{ use: 'official', system: REGION_CODE_SYSTEM, value: r.code }],
    active: true,
    type: orgType('govt', 'Government'),
    name: r.name,
    alias: [r.nameEn],
    ...(r.parentCode ? { partOf: { reference: `Organization/${regionFhirId(r.parentCode)}`, type: 'Organization' } } : {}),
  };
}

/** VerificationResult.status (R4 value set verificationresult-status, required) of a certification on
 * the day: in force → validated; suspended → req-revalid (corrective action pending); revoked or past
 * its validity → val-fail; not yet approved or not yet valid → in-process. */
export function verificationStatus(c: FhirCertification, day: string): 'validated' | 'req-revalid' | 'val-fail' | 'in-process' {
  if (c.validTo < day || c.status === 'revoked' || c.status === 'expired') return 'val-fail';
  if (c.status === 'suspended') return 'req-revalid';
  if (c.status === 'active' && c.validFrom <= day) return 'validated';
  return 'in-process';
}

/** A FHIR id for a certification: its number when that is a valid id, else `certification-<id>`. */
export function certificationFhirId(c: { id: number; certificateNo: string }): string {
  return /^[A-Za-z0-9\-.]{1,64}$/.test(c.certificateNo) ? c.certificateNo : `certification-${c.id}`;
}

/**
 * One certification as VerificationResult: the lab (target) verified for an item by its region's
 * authority (validator). R4's VerificationResult has no validity period: `lastPerformed` is the first
 * day of the certificate, `nextScheduled` its last day (re-certification is due by then), and the exact
 * period, item, number, mark and LabQC status are in the certification extension.
 */
export function certificationVerificationResult(lab: PublicLab, c: FhirCertification, day: string): FhirResource {
  return {
    resourceType: 'VerificationResult',
    id: certificationFhirId(c),
    extension: [
      {
        url: CERTIFICATION_EXT,
        extension: [
          { url: 'identifier', valueIdentifier: { system: CERTIFICATE_SYSTEM, value: c.certificateNo } },
          { url: 'code', valueCodeableConcept: itemConcept(c) },
          { url: 'period', valuePeriod: { start: c.validFrom, end: c.validTo } },
          { url: 'mark', valueCoding: { system: MARK_SYSTEM, code: c.mark, display: c.mark } },
          ...(c.status ? [{ url: 'status', valueCode: c.status }] : []),
        ],
      },
    ],
    target: [labReference(lab)],
    targetLocation: [`Organization.extension('${QUALIFICATION_EXT}')`],
    need: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/need', code: 'periodic', display: 'Periodic' }] },
    status: verificationStatus(c, day),
    ...(c.statusOn ? { statusDate: c.statusOn } : {}),
    validationType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/validation-type', code: 'primary', display: 'Primary Source' }] },
    validationProcess: [{ coding: [{ system: VALIDATION_PROCESS_SYSTEM, code: 'mutual-recognition', display: 'Mutual recognition review of IQC and EQA performance' }] }],
    lastPerformed: c.validFrom,
    nextScheduled: c.validTo,
    validator: [{ organization: regionReference(c.scopeRegionCode, c.scope) }],
  };
}

export interface SearchEntry {
  resource: FhirResource;
  mode: 'match' | 'include' | 'outcome';
}

/** A searchset Bundle: total matches, self (and next) links, entries with absolute fullUrls. */
export function searchsetBundle(base: string, self: string, entries: readonly SearchEntry[], total: number, next?: string): FhirResource {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
    ...(entries.length
      ? {
          entry: entries.map((e) => ({
            ...(e.resource.id ? { fullUrl: `${base}/${e.resource.resourceType}/${e.resource.id}` } : {}),
            resource: e.resource,
            search: { mode: e.mode },
          })),
        }
      : {}),
  };
}

/** OperationOutcome.issue.code (R4 value set issue-type) of an HTTP status. */
export function issueTypeOf(status: number): string {
  return ({ 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 405: 'not-supported', 406: 'not-supported', 413: 'too-costly', 415: 'not-supported', 422: 'processing', 429: 'throttled' } as Record<number, string>)[status] ?? 'exception';
}

export interface Issue {
  severity?: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  /** the English sentence */
  message: string;
  /** the API's reason code (lib/error-reasons.ts), when there is one */
  reason?: string;
  expression?: string[];
}

export function operationOutcome(issues: readonly Issue[]): FhirResource {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity ?? 'error',
      code: i.code,
      details: { ...(i.reason ? { coding: [{ system: REASON_SYSTEM, code: i.reason }] } : {}), text: i.message },
      ...(i.expression?.length ? { expression: i.expression } : {}),
    })),
  };
}

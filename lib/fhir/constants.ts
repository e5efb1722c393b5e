// The identifiers, code systems and extensions of LabQC's FHIR R4 interface (README "FHIR R4").
//
// LabQC's own systems are URNs under `urn:labqc:` rather than URLs of a deployment: a hospital stores
// a lab's identifier with its results, and it must not change when LabQC moves to another host or
// PUBLIC_URL changes. The standard ones are HL7's.

/** FHIR's JSON media type (R4 §2.6.3.1), the content type of every /fhir answer. */
export const FHIR_JSON = 'application/fhir+json';
export const FHIR_VERSION = '4.0.1';

/** Identifier.system of a laboratory: its LabQC lab code (`GZ-001`). */
export const LAB_CODE_SYSTEM = 'urn:labqc:lab-code';
/** Identifier.system of a region's recognition authority: the GB/T 2260 region code (`440000`). */
export const REGION_CODE_SYSTEM = 'urn:labqc:region-code';
/** Identifier.system of a certificate: its number (`HR-440000-2026-000123`). */
export const CERTIFICATE_SYSTEM = 'urn:labqc:certificate-no';
/** CodeSystem of the catalogue's item codes (`K`, `HBA1C`), the `code` of GET /api/v1/analytes. */
export const ITEM_CODE_SYSTEM = 'urn:labqc:item-code';
/** CodeSystem of the recognition marks printed on reports (`广东HR`, `全国HR`). */
export const MARK_SYSTEM = 'urn:labqc:recognition-mark';
/** CodeSystem of the API's reason codes (`lab.notFound`), carried in OperationOutcome.issue.details. */
export const REASON_SYSTEM = 'urn:labqc:reason';
/** CodeSystem of the validation process behind a certification. */
export const VALIDATION_PROCESS_SYSTEM = 'urn:labqc:validation-process';
export const LOINC_SYSTEM = 'http://loinc.org';

/** R5 `Organization.qualification` carried in R4 by the cross-version extension (sub-extensions
 * identifier, code, period, issuer: FHIR R5 §8.4 and "Extensions for Using Data Elements from FHIR R5 in FHIR R4"). */
export const QUALIFICATION_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Organization.qualification';
/** HL7 Europe Laboratory IG: whether the laboratory was accredited for this result (valueBoolean). */
export const ACCREDITED_EXT = 'http://hl7.eu/fhir/StructureDefinition/laboratory-accredited';
/** LabQC: one certification of a lab × item (sub-extensions identifier, code, period, mark, status),
 * on VerificationResult, which has no element for what was verified nor for a validity period. */
export const CERTIFICATION_EXT = 'urn:labqc:extension:certification';
/** LabQC: the answer behind an Observation's laboratory-accredited mark (sub-extensions recognized,
 * reason, mark, certificate, date, asOf, windowDays, withinWindow), as GET /api/v1/verify gives it. */
export const RECOGNITION_CHECK_EXT = 'urn:labqc:extension:recognition-check';
/** The operation's definition (canonical of CapabilityStatement.rest.resource.operation). */
export const VERIFY_OPERATION = 'urn:labqc:OperationDefinition:Observation-verify-recognition';

export const ORGANIZATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/organization-type';

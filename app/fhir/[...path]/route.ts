// FHIR R4 (application/fhir+json): GET /fhir/metadata, /fhir/Organization[/{id}],
// /fhir/VerificationResult?target=Organization/{labCode}; POST /fhir/Observation/$verify-recognition.
// Every path under /fhir comes here (an unknown one gets a 404 OperationOutcome); see lib/fhir/api.ts.
import { fhirGetRoute, fhirMethodNotAllowed, fhirOptions, fhirPostRoute } from '@/lib/fhir/route';

export const dynamic = 'force-dynamic';
export const GET = fhirGetRoute;
export const POST = fhirPostRoute;
export const PUT = fhirMethodNotAllowed;
export const PATCH = fhirMethodNotAllowed;
export const DELETE = fhirMethodNotAllowed;
export const OPTIONS = fhirOptions;

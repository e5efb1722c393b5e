// The FHIR base itself (`/fhir`, and `/fhir/` which Next redirects here): answered by the same
// handlers as every path under it, so a client gets an OperationOutcome (404, pointing at
// /fhir/metadata), never the application's HTML page.
export const dynamic = 'force-dynamic';
export { GET, POST, PUT, PATCH, DELETE, OPTIONS } from './[...path]/route';

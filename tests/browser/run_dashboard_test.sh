#!/usr/bin/env bash
# Runs dashboard_test.mjs with node; exits 77 (CTest SKIP) when node is
# missing. dashboard_test.mjs itself skips only without chromium or
# tools/node_modules/playwright-core, and fails on any mismatch.
set -euo pipefail
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (scripts/setup.sh installs it)"
  exit 77
fi
exec node "$(dirname "${BASH_SOURCE[0]}")/dashboard_test.mjs" "$@"

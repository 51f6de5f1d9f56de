#!/usr/bin/env bash
# scripts/test.sh: install what is missing (scripts/setup.sh), build, then run
# every test with CTest. Exits with CTest's status.
#
# Environment: HUB_BUILD_DIR (default <repo>/build), HUB_TEST_JOBS (default 2),
# plus everything scripts/setup.sh reads. Extra arguments go to ctest, e.g.
#   scripts/test.sh -R reflection_e2e
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HUB_BUILD_DIR:-$root/build}
export HUB_BUILD_DIR="$build_dir"

"$root/scripts/setup.sh"

echo "[test] ctest --test-dir $build_dir --output-on-failure -j${HUB_TEST_JOBS:-2} $*"
status=0
ctest --test-dir "$build_dir" --output-on-failure -j"${HUB_TEST_JOBS:-2}" "$@" || status=$?
if [[ $status -eq 0 ]]; then
  echo "[test] all tests passed"
else
  echo "[test] FAILED (ctest exit status $status)" >&2
fi
exit "$status"

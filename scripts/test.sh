#!/usr/bin/env bash
# scripts/test.sh: install what is missing (scripts/setup.sh), build, then run
# every test: the whole suite with CTest, then the sanitizer and fuzzing
# stages (scripts/sanitize.sh: the suite again under ASan + UBSan, the
# concurrency tests under TSan, each file reader's libFuzzer target for a
# fixed time). Exits non-zero if anything failed. CI runs exactly this.
#
# Environment: HUB_BUILD_DIR (default <repo>/build), HUB_TEST_JOBS (default 2),
# HUB_SANITIZE_STAGES (default "asan tsan fuzz"; empty runs the main suite
# only, e.g. for a quick local run), HUB_FUZZ_SECONDS (default 30 here),
# plus everything scripts/setup.sh and scripts/sanitize.sh read. Extra
# arguments go to the main suite's ctest, e.g.
#   HUB_SANITIZE_STAGES= scripts/test.sh -R reflection_e2e
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HUB_BUILD_DIR:-$root/build}
export HUB_BUILD_DIR="$build_dir"
stages=${HUB_SANITIZE_STAGES-asan tsan fuzz}
export HUB_FUZZ_SECONDS=${HUB_FUZZ_SECONDS:-30}

"$root/scripts/setup.sh"

started=$SECONDS
echo "[test] ctest --test-dir $build_dir --output-on-failure -j${HUB_TEST_JOBS:-2} $*"
status=0
ctest --test-dir "$build_dir" --output-on-failure -j"${HUB_TEST_JOBS:-2}" "$@" || status=$?
echo "[test] main suite: $((SECONDS - started)) s"
if [[ $status -ne 0 ]]; then
  echo "[test] FAILED (ctest exit status $status); sanitizer stages not run" >&2
  exit "$status"
fi
for stage in $stages; do
  started=$SECONDS
  "$root/scripts/sanitize.sh" "$stage" || status=$?
  echo "[test] sanitizer stage $stage: $((SECONDS - started)) s"
  if [[ $status -ne 0 ]]; then
    echo "[test] FAILED in the $stage stage (exit status $status)" >&2
    exit "$status"
  fi
done
echo "[test] all tests passed${stages:+ (and the sanitizer stages: $stages)}"

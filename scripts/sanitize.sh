#!/usr/bin/env bash
# scripts/sanitize.sh: the sanitizer and fuzzing stages of the test run
# (scripts/test.sh runs asan, tsan and fuzz after the main suite; CI runs
# exactly scripts/test.sh).
#
#   scripts/sanitize.sh asan    ASan + UBSan build (<build>-asan/), the whole suite
#   scripts/sanitize.sh tsan    TSan build (<build>-tsan/), the concurrency tests
#                               that run without gRPC (see tsan_hub_tests)
#   scripts/sanitize.sh fuzz    the file readers' libFuzzer targets (plan files,
#                               the plans' answers, the CBO CSV template,
#                               hubctl's JSON lines), each run for a fixed time;
#                               built in the ASan build (libFuzzer + ASan + UBSan)
#   scripts/sanitize.sh all     the three, in that order
#
# Both sanitizer builds use Clang (it compiles our sources under ASan in half
# the time GCC takes, and it is the compiler libFuzzer needs), -O1 with line
# tables for the code under test and -O0 for the tests' own sources
# (HUB_TEST_CXX_FLAGS). The main build (scripts/setup.sh) stays GCC's
# release build, the one hubd ships as.
#
# Environment: HUB_BUILD_DIR (the main build folder; the stages build next to
# it: <dir>-asan, <dir>-tsan), HUB_JOBS, HUB_TEST_JOBS (default 2),
# HUB_FUZZ_SECONDS (default 60 per target), HUB_TSAN_TESTS (ctest regex of the
# hub_tests the TSan stage runs). Exits non-zero on the first failing stage.
#
# Findings are fixed, not suppressed; tests/sanitizers/ holds the only
# suppressions, each with its reason.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
main_build=${HUB_BUILD_DIR:-$root/build}
jobs=${HUB_JOBS:-$(nproc 2>/dev/null || echo 2)}
test_jobs=${HUB_TEST_JOBS:-2}
fuzz_seconds=${HUB_FUZZ_SECONDS:-60}
# The TSan stage's tests: every test of storage_tests (the store's group
# commit, the feed store and its indexes, retention under writes) and the
# hub's threads driven without gRPC: the submit pipeline (writer and
# committer threads, fed by 16 threads at once), the feed notifier, the feed
# indexer, and plan file ingest (each ingest's parser and commit threads, the
# member locks all plans' ingests share, every plan's file at once). Debian's
# gRPC, Abseil and RocksDB are not built with TSan:
# Abseil's locks are made visible (tests/sanitizers/tsan_absl_sync.cc) and
# RocksDB's write group is suppressed with its reason, but a process that
# serves or calls gRPC gets hundreds of reports from inside gRPC's own
# hand-offs (the 2026-12-07 runs: ~300 in 17 tests, all between gRPC's
# threads and its own buffers), so the tests that go through gRPC stay in the
# ASan stage. README "Sanitizers and fuzzing".
tsan_hub_tests=${HUB_TSAN_TESTS:-'^(FeedNotifierTest\.|FeedIndexerTest\.|IngestConcurrencyTest\.|Paths/SubmitConcurrencyTest\..*/Pipeline( |$))'}

say() { printf '[sanitize] %s\n' "$*"; }
die() {
  printf '[sanitize] ERROR: %s\n' "$*" >&2
  exit 1
}

# Sanitizer runtime options: fail on the first report, with a stack.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$root/tests/sanitizers/tsan.supp"

# configure DIR ARGS...: a Clang Ninja build at -O1 with line tables (fast
# enough to run, readable stacks), tests' own sources at -O0, benchmarks off,
# each target compiled in batches of files (HUB_UNITY_BUILD: a one-shot
# build; sanitizer reports still name the original files and lines).
configure() {
  local dir=$1
  shift
  command -v clang++ >/dev/null || die "clang++ not found (scripts/setup.sh installs clang)"
  # A folder an older script configured with GCC starts over.
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' "$dir/CMakeCache.txt"; then
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DHUB_TEST_CXX_FLAGS=-O0 \
    -DHUB_BUILD_BENCH=OFF -DHUB_UNITY_BUILD=ON "$@" >"$dir.configure.log" 2>&1 \
    || { tail -n 30 "$dir.configure.log" >&2; die "configure of $dir failed"; }
}

build() {
  local dir=$1
  shift
  say "building $dir ${*:-(everything)} with -j$jobs"
  cmake --build "$dir" -j"$jobs" ${1:+--target "$@"} >"$dir.build.log" 2>&1 \
    || { grep -E 'error:|FAILED:' "$dir.build.log" | head -n 25 >&2; die "build of $dir failed (log: $dir.build.log)"; }
}

asan_dir="$main_build-asan"

stage_asan() {
  configure "$asan_dir" -DHUB_SANITIZE=address,undefined
  build "$asan_dir"
  local dir=$asan_dir
  say "asan: ctest -j$test_jobs (ASan + UBSan, every test)"
  # The browser and chart tests drive node and helm, not our code.
  ctest --test-dir "$dir" --output-on-failure -j"$test_jobs" -LE 'browser|chart' \
    || die "a test failed under ASan/UBSan (see above)"
}

stage_tsan() {
  local dir="$main_build-tsan"
  configure "$dir" -DHUB_SANITIZE=thread
  build "$dir" storage_tests hub_tests
  say "tsan: ctest -L '^storage_tests\$' -j$test_jobs (every storage test)"
  ctest --test-dir "$dir" --output-on-failure -j"$test_jobs" -L '^storage_tests$' \
    || die "a storage test failed under TSan (see above)"
  say "tsan: ctest -L '^hub_tests\$' -R '$tsan_hub_tests' -j$test_jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$test_jobs" -L '^hub_tests$' \
    -R "$tsan_hub_tests" || die "a hub test failed under TSan (see above)"
}

# The fuzz targets: <name>:<folder of its binary and seed corpus under tests/>.
fuzz_targets=(
  delimited:adapters fixed_width:adapters x12:adapters claim_answers:adapters
  cbo_template:adapters submission_lines:hub
)

stage_fuzz() {
  local dir=$asan_dir
  configure "$dir" -DHUB_SANITIZE=address,undefined
  local target names=()
  for target in "${fuzz_targets[@]}"; do names+=("${target%%:*}_fuzz"); done
  build "$dir" "${names[@]}"
  for target in "${fuzz_targets[@]}"; do
    local name=${target%%:*} folder=${target##*:}
    local corpus="$dir/fuzz-corpus/$name" seeds="$root/tests/$folder/fuzz/corpus/$name"
    mkdir -p "$corpus"
    say "fuzz: $name for ${fuzz_seconds}s (seeds: tests/$folder/fuzz/corpus/$name)"
    "$dir/tests/$folder/${name}_fuzz" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
      -artifact_prefix="$dir/fuzz-crash-$name-" "$corpus" "$seeds" \
      >"$dir/fuzz-$name.log" 2>&1 || { tail -n 40 "$dir/fuzz-$name.log" >&2; die "fuzzing $name found a crash"; }
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$dir/fuzz-$name.log" | sed 's/^/[sanitize]   /'
  done
}

case "${1:-all}" in
  asan) stage_asan ;;
  tsan) stage_tsan ;;
  fuzz) stage_fuzz ;;
  all)
    stage_asan
    stage_tsan
    stage_fuzz
    ;;
  *) die "unknown stage $1 (asan | tsan | fuzz | all)" ;;
esac
say "${1:-all}: passed"

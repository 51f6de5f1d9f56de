#!/usr/bin/env bash
# reflection_e2e: start hubd on a free loopback port with the San Diego demo
# seed in a temporary folder, check with `buf curl` that it lists the hub.v1
# services through server reflection and answers ListPlans with the 7 plans,
# then stop it with SIGTERM and check it exits 0.
#
# Usage: reflection_e2e.sh HUBD_BINARY REPO_ROOT
# Exit codes: 0 pass, 1 fail, 77 skip (npm test tools not installed).
set -euo pipefail

hubd=${1:?usage: reflection_e2e.sh HUBD_BINARY REPO_ROOT}
root=${2:?usage: reflection_e2e.sh HUBD_BINARY REPO_ROOT}
buf="$root/tools/node_modules/.bin/buf"
seed="$root/demo/san_diego/directory.textproto"

if [[ ! -d "$root/tools/node_modules" || ! -x "$buf" ]]; then
  echo "SKIP: $root/tools/node_modules is absent; run scripts/setup.sh to install buf (npm)."
  exit 77
fi
if ! command -v node >/dev/null; then
  echo "SKIP: node is not installed; run scripts/setup.sh."
  exit 77
fi

fail() {
  echo "FAIL: $*" >&2
  if [[ -f "${work:-}/hubd.log" ]]; then
    echo "---- hubd.log ----" >&2
    tail -n 50 "$work/hubd.log" >&2
  fi
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/reflection_e2e.XXXXXX")
hubd_pid=""
cleanup() {
  if [[ -n "$hubd_pid" ]] && kill -0 "$hubd_pid" 2>/dev/null; then
    kill -KILL "$hubd_pid" 2>/dev/null || true
    wait "$hubd_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/backups"
"$hubd" --listen=127.0.0.1:0 --insecure_loopback --data_dir="$work/data" --seed="$seed" \
  --backup_dir="$work/backups" --port_file="$work/port" >"$work/hubd.log" 2>&1 &
hubd_pid=$!

# Wait (bounded) for hubd to write the port it bound.
port=""
for _ in $(seq 1 300); do
  if [[ -s "$work/port" ]]; then
    port=$(tr -d '[:space:]' <"$work/port")
    [[ "$port" =~ ^[0-9]+$ ]] && break
    port=""
  fi
  kill -0 "$hubd_pid" 2>/dev/null || fail "hubd exited before writing --port_file"
  sleep 0.1
done
[[ -n "$port" ]] || fail "hubd did not write --port_file within 30 s"
url="http://127.0.0.1:$port"
echo "hubd pid $hubd_pid listening on 127.0.0.1:$port"

curl_grpc() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

# Server reflection lists the hub.v1 methods. Retry briefly: the port file may
# appear a moment before the server accepts calls.
methods=""
for _ in $(seq 1 50); do
  if methods=$(curl_grpc "$url" --list-methods 2>"$work/buf.err"); then break; fi
  methods=""
  kill -0 "$hubd_pid" 2>/dev/null || fail "hubd died"
  sleep 0.2
done
[[ -n "$methods" ]] || fail "buf curl --list-methods failed: $(cat "$work/buf.err")"
echo "$methods"
for m in hub.v1.DirectoryService/ListPlans hub.v1.AdminService/CreateBackup \
  grpc.health.v1.Health/Check; do
  grep -qx "$m" <<<"$methods" || fail "reflection does not list $m"
done

# Reflection describes the standard health service too (buf curl needs its
# schema to encode the call).
health=$(curl_grpc -d '{}' "$url/grpc.health.v1.Health/Check") || fail "Health/Check call failed"
grep -q '"status": *"SERVING"' <<<"$health" || fail "Health/Check reply is not SERVING: $health"
echo "Health/Check: $health"

# ListPlans returns the seven San Diego plans.
reply=$(curl_grpc -d '{}' "$url/hub.v1.DirectoryService/ListPlans") \
  || fail "ListPlans call failed"
count=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  process.stdout.write(String((r.plans || []).length));' <<<"$reply") \
  || fail "ListPlans reply is not JSON: $reply"
[[ "$count" == 7 ]] || fail "ListPlans returned $count plans, want 7: $reply"
grep -q '"planId": *"molina"' <<<"$reply" || fail "ListPlans reply lacks molina: $reply"
echo "ListPlans: $count plans"

# Graceful shutdown on SIGTERM, exit status 0, within 30 s.
kill -TERM "$hubd_pid"
for _ in $(seq 1 300); do
  kill -0 "$hubd_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$hubd_pid" 2>/dev/null; then fail "hubd still running 30 s after SIGTERM"; fi
status=0
wait "$hubd_pid" || status=$?
hubd_pid=""
[[ "$status" == 0 ]] || fail "hubd exited with status $status after SIGTERM, want 0"
echo "PASS: hubd stopped cleanly on SIGTERM"

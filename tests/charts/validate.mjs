// validate.mjs: checks what `helm template` rendered, without a cluster
// (helm itself checks the values against values.schema.json).
//
//   node validate.mjs --tools DIR manifests RENDERED_YAML
//       every manifest: (1) the Kubernetes JSON schema of its kind
//       (kubernetes-models, @kubernetes-models/prometheus-operator): types,
//       required fields, enums, formats; (2) no unknown field anywhere (the
//       field lists of @kubernetes/client-node's generated models, like
//       kubectl's strict field validation); (3) chart lint rules: standard
//       labels, selectors that match, named ports that exist, mounts of
//       declared volumes, the security posture, no Secret with key material.
//   node validate.mjs --tools DIR plan RENDERED_YAML PLAN_ID PROFILE
//       the plan is in the directory seed and its profile is in the profiles
//       ConfigMap and mounted at <profiles dir>/<PROFILE>/profile.textproto.
//   node validate.mjs --tools DIR configmaps RENDERED_YAML OUT_DIR
//       writes each ConfigMap key to OUT_DIR/<configmap>/<key> (so that the
//       seed and the profiles can be parsed by protoc).
//
// DIR is tools/ (its node_modules holds the pinned packages). Exit status 0
// when everything holds; 1 with one "ERROR ..." line per problem otherwise.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
if (argv[0] !== "--tools" || argv.length < 3) {
  console.error("usage: node validate.mjs --tools DIR (manifests FILE | plan FILE ID PROFILE | configmaps FILE OUT_DIR)");
  process.exit(2);
}
const toolsDir = path.resolve(argv[1]);
const [command, ...args] = argv.slice(2);
const modules = path.join(toolsDir, "node_modules");
const requireTools = createRequire(path.join(toolsDir, "package.json"));
const importTools = (rel) => import(pathToFileURL(path.join(modules, rel)).href);

const errors = [];
const error = (where, message) => errors.push(`ERROR ${where}: ${message}`);

function finish(okMessage) {
  if (errors.length > 0) {
    for (const e of errors) console.log(e);
    console.log(`FAILED: ${errors.length} problem(s)`);
    process.exit(1);
  }
  console.log(okMessage);
}

// Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml): so do we.
function parseManifests(file) {
  const YAML = requireTools("yaml");
  const docs = [];
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), {
    version: "1.1",
    uniqueKeys: true,
    prettyErrors: true,
  })) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) error(file, `YAML: ${e.message}`);
      continue;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value);
  }
  return docs;
}

// ------------------------------------------------------- schema validation

async function schemaModel(apiVersion, kind) {
  const rel =
    apiVersion === "monitoring.coreos.com/v1"
      ? `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}.js`
      : `kubernetes-models/${apiVersion}/${kind}.js`;
  if (!/^[@A-Za-z0-9./-]+$/.test(rel) || !fs.existsSync(path.join(modules, rel))) return null;
  return (await importTools(rel))[kind];
}

// The field lists of @kubernetes/client-node's generated models.
let clientModels = null;
async function strictCheck(doc, where) {
  clientModels ??= await importTools("@kubernetes/client-node/dist/gen/models/all.js");
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
  const capital = version.charAt(0).toUpperCase() + version.slice(1);
  const root = `${capital}${doc.kind}`;
  if (!clientModels[root]) return false;
  const walk = (value, type, at) => {
    if (value === null || value === undefined) return;
    let m;
    if ((m = /^Array<(.+)>$/.exec(type))) {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, m[1], `${at}[${i}]`));
      return;
    }
    if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
      if (typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, m[1], `${at}.${k}`);
      return;
    }
    const model = clientModels[type];
    if (!model || typeof model.getAttributeTypeMap !== "function") return;  // scalar, any
    if (typeof value !== "object" || Array.isArray(value)) return;  // the schema reports types
    const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
    for (const [key, v] of Object.entries(value)) {
      if (!fields.has(key)) {
        error(where, `${at}.${key}: unknown field "${key}" (${type} has: ${[...fields.keys()].join(", ")})`);
      } else {
        walk(v, fields.get(key), `${at}.${key}`);
      }
    }
  };
  void group;
  walk(doc, root, doc.kind);
  return true;
}

// ------------------------------------------------------------- lint rules

const standardLabels = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
  "app.kubernetes.io/managed-by",
  "helm.sh/chart",
];
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => (labels ?? {})[k] === v);

function podTemplates(doc) {
  if (doc.kind === "StatefulSet" || doc.kind === "Deployment" || doc.kind === "Job")
    return [doc.spec?.template];
  if (doc.kind === "CronJob") return [doc.spec?.jobTemplate?.spec?.template];
  return [];
}

function lintPod(doc, where, template) {
  const spec = template?.spec ?? {};
  const podSc = spec.securityContext ?? {};
  if (podSc.runAsNonRoot !== true) error(where, "pod securityContext.runAsNonRoot must be true");
  if (podSc.seccompProfile?.type !== "RuntimeDefault")
    error(where, "pod securityContext.seccompProfile.type must be RuntimeDefault");
  if (spec.automountServiceAccountToken !== false)
    error(where, "automountServiceAccountToken must be false (the hub never calls the Kubernetes API)");
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  for (const t of doc.spec?.volumeClaimTemplates ?? []) volumes.set(t.metadata?.name, { pvc: true });
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) error(at, "securityContext.readOnlyRootFilesystem must be true");
    if (sc.allowPrivilegeEscalation !== false) error(at, "securityContext.allowPrivilegeEscalation must be false");
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) error(at, "securityContext.capabilities.drop must include ALL");
    if (sc.privileged) error(at, "must not be privileged");
    if (!c.resources?.requests?.memory || !c.resources?.limits?.memory)
      error(at, "resources.requests.memory and resources.limits.memory must be set");
    if (!c.image || /:latest$/.test(c.image) || !/[:@]/.test(c.image))
      error(at, `image "${c.image}" must name a tag or digest other than latest`);
    const portNames = new Set((c.ports ?? []).map((p) => p.name));
    const portNumbers = new Set((c.ports ?? []).map((p) => p.containerPort));
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const p = c[probe];
      if (!p) continue;
      const port = p.grpc?.port ?? p.httpGet?.port ?? p.tcpSocket?.port;
      if (!(portNumbers.has(port) || portNames.has(port)))
        error(at, `${probe} port ${port} is not a port of the container`);
    }
    for (const m of c.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      if (!v) {
        error(at, `volumeMount ${m.name} names no volume of the pod`);
        continue;
      }
      if (!m.readOnly && !v.pvc && !v.persistentVolumeClaim && !v.emptyDir)
        error(at, `volumeMount ${m.name} at ${m.mountPath} must be readOnly (writable: the PVC and emptyDirs only)`);
      if (v.emptyDir && m.mountPath !== "/tmp" && !m.readOnly)
        error(at, `writable emptyDir ${m.name} at ${m.mountPath}: only /tmp may be an emptyDir`);
    }
  }
  return { volumes, containers };
}

// Files at rest (hubd keeps its folders 0700 and files 0600): the volume's
// group is the hub's own and kubelet does not re-open it at every start;
// hubd's folders are below a persistent volume's mount (so hubd creates them
// and sets their modes): the store and spool on the data volume, the
// backups on the backup volume when there is one (backup.volume), never
// inside the store; the HTTP port off loopback goes with mutual TLS.
function lintHubFiles(sts, where) {
  const spec = sts.spec?.template?.spec ?? {};
  const podSc = spec.securityContext ?? {};
  if (podSc.fsGroup === undefined || podSc.fsGroup !== podSc.runAsGroup)
    error(where, "pod securityContext.fsGroup must equal runAsGroup (the volume's group is the hub's own)");
  if (podSc.fsGroupChangePolicy !== "OnRootMismatch")
    error(where, "pod securityContext.fsGroupChangePolicy must be OnRootMismatch (hubd keeps its files 0600)");
  const hubd = (spec.containers ?? []).find((c) => c.name === "hubd");
  const mountOf = (name) => (hubd?.volumeMounts ?? []).find((m) => m.name === name)?.mountPath;
  const args = hubd?.args ?? [];
  const arg = (flag) => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  const backups = mountOf("backups");
  for (const [flag, volume] of [["data_dir", "data"], ["spool_dir", "data"],
                                ["backup_dir", backups ? "backups" : "data"]]) {
    const mount = mountOf(volume);
    const dir = arg(flag);
    if (!mount || !dir || !dir.startsWith(`${mount}/`))
      error(where, `hubd --${flag} must be a folder below the ${volume} volume's mount (${mount})`);
  }
  if (backups) {
    const claim = (spec.volumes ?? []).find((v) => v.name === "backups")?.persistentVolumeClaim;
    const template = (sts.spec?.volumeClaimTemplates ?? []).some((t) => t.metadata?.name === "backups");
    if (!claim && !template)
      error(where, "the backups volume must be a PersistentVolumeClaim (existingClaim or a claim template)");
  }
  const data = arg("data_dir"), backup = arg("backup_dir");
  if (data && backup && (backup === data || backup.startsWith(`${data}/`)))
    error(where, "hubd --backup_dir must not lie inside --data_dir (a backup would copy itself)");
  const http = arg("http_listen");
  if (http && !/^(127\.|\[::1\]|localhost:)/.test(http) && !arg("tls_cert_file"))
    error(where, "hubd --http_listen off loopback needs the --tls_* flags (mutual TLS)");
}

async function validateManifests(file) {
  const docs = parseManifests(file);
  if (docs.length === 0) error(file, "no manifests rendered");
  const byKind = (kind) => docs.filter((d) => d.kind === kind);
  const kinds = {};
  const names = new Set();
  let strictUnchecked = [];
  for (const doc of docs) {
    const where = `${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
    if (typeof doc !== "object" || !doc.apiVersion || !doc.kind || !doc.metadata?.name) {
      error(where, "a manifest needs apiVersion, kind and metadata.name");
      continue;
    }
    kinds[doc.kind] = (kinds[doc.kind] ?? 0) + 1;
    const key = `${doc.apiVersion}/${doc.kind}/${doc.metadata.name}`;
    if (names.has(key)) error(where, "rendered twice");
    names.add(key);

    // (1) the kind's JSON schema
    const Model = await schemaModel(doc.apiVersion, doc.kind);
    if (!Model) {
      error(where, `no schema known for ${doc.apiVersion} ${doc.kind}`);
    } else {
      try {
        new Model(doc).validate();
      } catch (e) {
        for (const line of String(e.message).split(/, (?=data)/)) error(where, `schema: ${line}`);
      }
    }
    // (2) unknown fields
    if (!(await strictCheck(doc, where))) strictUnchecked.push(where);

    // (3) lint
    const name = doc.metadata.name;
    if (!dns1123Subdomain.test(name) || name.length > 253) error(where, "metadata.name is not a DNS-1123 name");
    if (doc.kind === "Service" && (!dns1035Label.test(name) || name.length > 63))
      error(where, "a Service name must be a DNS-1035 label of at most 63 characters");
    if (!doc.metadata.namespace) error(where, "metadata.namespace must be set (the release namespace)");
    for (const label of standardLabels) {
      if (!doc.metadata.labels?.[label]) error(where, `missing standard label ${label}`);
    }
    if (doc.kind === "Secret") error(where, "the chart must not create Secrets (reference existing ones)");
    for (const template of podTemplates(doc)) {
      if (!template) continue;
      for (const label of ["app.kubernetes.io/name", "app.kubernetes.io/instance"]) {
        if (!template.metadata?.labels?.[label]) error(where, `pod template misses label ${label}`);
      }
      lintPod(doc, where, template);
    }
  }

  // Cross-resource rules.
  const statefulSets = byKind("StatefulSet");
  if (statefulSets.length !== 1) error(file, `expected exactly one StatefulSet, got ${statefulSets.length}`);
  for (const sts of statefulSets) {
    const where = `StatefulSet/${sts.metadata.name}`;
    const podLabels = sts.spec?.template?.metadata?.labels;
    if (!matches(sts.spec?.selector?.matchLabels, podLabels)) error(where, "selector does not match the pod labels");
    if ((sts.spec?.replicas ?? 1) > 1) error(where, "a county hub runs at most one replica");
    if (!(sts.spec?.volumeClaimTemplates ?? []).some((t) => t.metadata?.name === "data"))
      error(where, "needs the volumeClaimTemplate data");
    const headless = byKind("Service").find((s) => s.metadata.name === sts.spec?.serviceName);
    if (!headless || headless.spec?.clusterIP !== "None")
      error(where, `serviceName ${sts.spec?.serviceName} must name a headless Service of the chart`);
    const containers = sts.spec?.template?.spec?.containers ?? [];
    const portNames = new Set(containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const svc of byKind("Service")) {
      const sw = `Service/${svc.metadata.name}`;
      if (!matches(svc.spec?.selector, podLabels)) error(sw, "selector does not select the hub pod");
      for (const p of svc.spec?.ports ?? []) {
        if (typeof p.targetPort === "string" && !portNames.has(p.targetPort))
          error(sw, `targetPort ${p.targetPort} is not a named port of the hub pod`);
      }
    }
    for (const pdb of byKind("PodDisruptionBudget")) {
      if (!matches(pdb.spec?.selector?.matchLabels, podLabels))
        error(`PodDisruptionBudget/${pdb.metadata.name}`, "selector does not select the hub pod");
    }
    for (const np of byKind("NetworkPolicy")) {
      const nw = `NetworkPolicy/${np.metadata.name}`;
      if (!matches(np.spec?.podSelector?.matchLabels, podLabels)) error(nw, "podSelector does not select the hub pod");
      for (const rule of np.spec?.ingress ?? []) {
        for (const p of rule.ports ?? []) {
          if (typeof p.port === "string" && !portNames.has(p.port)) error(nw, `port ${p.port} is not a named port of the hub pod`);
        }
      }
    }
    const configMaps = new Set(byKind("ConfigMap").map((c) => c.metadata.name));
    for (const v of sts.spec?.template?.spec?.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name) && !process.env.CHART_EXTERNAL_CONFIGMAPS?.split(",").includes(v.configMap.name))
        error(where, `volume ${v.name} uses ConfigMap ${v.configMap.name}, which the chart did not render`);
      for (const item of v.configMap?.items ?? []) {
        const cm = byKind("ConfigMap").find((c) => c.metadata.name === v.configMap.name);
        if (cm && !(item.key in (cm.data ?? {}))) error(where, `volume ${v.name}: ConfigMap ${cm.metadata.name} has no key ${item.key}`);
      }
    }
    for (const sm of byKind("ServiceMonitor")) {
      const selected = byKind("Service").filter((s) => matches(sm.spec?.selector?.matchLabels, s.metadata.labels));
      const ports = new Set(selected.flatMap((s) => (s.spec?.ports ?? []).map((p) => p.name)));
      for (const ep of sm.spec?.endpoints ?? []) {
        const sw = `ServiceMonitor/${sm.metadata.name}`;
        if (!ports.has(ep.port)) error(sw, `endpoint port ${ep.port} is on no selected Service`);
        // hubd serves /metrics off loopback over mutual TLS only.
        if (ep.scheme !== "https" || !ep.tlsConfig?.cert || !ep.tlsConfig?.keySecret || !ep.tlsConfig?.ca)
          error(sw, "endpoints scrape /metrics over https with a client certificate (tlsConfig cert, keySecret, ca)");
      }
    }
    lintHubFiles(sts, where);
  }
  const summary = Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ");
  const note = strictUnchecked.length ? `; unknown-field check not available for: ${strictUnchecked.join(", ")} (schema only)` : "";
  finish(`${docs.length} manifests valid (${summary})${note}`);
}

// ------------------------------------------------------------------- plan

function checkPlan(file, planId, profile) {
  const docs = parseManifests(file);
  const cms = docs.filter((d) => d.kind === "ConfigMap");
  const seedCm = cms.find((c) => c.data?.["directory.textproto"] !== undefined);
  const seed = seedCm?.data?.["directory.textproto"] ?? "";
  const block = new RegExp(`plans \\{[^}]*plan_id: "${planId}"[^}]*\\}`).exec(seed)?.[0];
  if (!block) error("directory seed", `no plans { plan_id: "${planId}" } block`);
  else if (!block.includes(`adapter_profile: "${profile}"`))
    error("directory seed", `plan ${planId} does not name adapter_profile "${profile}"`);
  const profilesCm = cms.find((c) => c.data?.[`${profile}.textproto`] !== undefined);
  const text = profilesCm?.data?.[`${profile}.textproto`];
  if (!text) error("profiles ConfigMap", `no key ${profile}.textproto`);
  else if (!text.includes(`name: "${profile}"`)) error("profiles ConfigMap", `${profile}.textproto does not say name: "${profile}"`);
  const sts = docs.find((d) => d.kind === "StatefulSet");
  const spec = sts?.spec?.template?.spec ?? {};
  const hubd = (spec.containers ?? []).find((c) => c.name === "hubd");
  const dirArg = (hubd?.args ?? []).find((a) => a.startsWith("--profiles_dir="));
  const dir = dirArg?.slice("--profiles_dir=".length);
  if (!dir) error("hubd", "no --profiles_dir");
  const mount = (hubd?.volumeMounts ?? []).find((m) => m.mountPath === `${dir}/${profile}`);
  if (!mount || mount.subPath !== profile || !mount.readOnly)
    error("hubd", `no read-only mount of ${dir}/${profile} (subPath ${profile})`);
  const volume = (spec.volumes ?? []).find((v) => v.name === mount?.name);
  const item = (volume?.configMap?.items ?? []).find((i) => i.key === `${profile}.textproto`);
  if (!volume || volume.configMap?.name !== profilesCm?.metadata?.name || item?.path !== `${profile}/profile.textproto`)
    error("hubd", `volume ${mount?.name} does not project ${profile}.textproto to ${profile}/profile.textproto`);
  finish(`plan ${planId}: in the seed, profile ${profile} in ConfigMap ${profilesCm?.metadata?.name}, mounted at ${dir}/${profile}/profile.textproto`);
}

function writeConfigMaps(file, outDir) {
  for (const cm of parseManifests(file).filter((d) => d.kind === "ConfigMap")) {
    const dir = path.join(outDir, cm.metadata.name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [key, text] of Object.entries(cm.data ?? {})) fs.writeFileSync(path.join(dir, key), text);
  }
  finish(`ConfigMaps written to ${outDir}`);
}

switch (command) {
  case "configmaps":
    writeConfigMaps(args[0], args[1]);
    break;
  case "manifests":
    await validateManifests(args[0]);
    break;
  case "plan":
    checkPlan(args[0], args[1], args[2]);
    break;
  default:
    console.error(`unknown command ${command}`);
    process.exit(2);
}

// dashboard_test.mjs: the county dashboard in a real browser.
//
//   node dashboard_test.mjs --source_dir=REPO --hubd=PATH --hubctl=PATH
//        --countygen=PATH --out_dir=DIR [--chromium=PATH]
//
// Plays a small demo day on a fresh hubd (temp data folder, gRPC and HTTP on
// 127.0.0.1 port 0, ports read from --port_file / --http_port_file): the
// county generator's plan files uploaded with `hubctl upload`, every
// provider's records of the day sent with `hubctl submit`, every plan but
// one pulling and acknowledging its feed with `hubctl pull --ack` (the last
// one keeps a backlog). Then headless Chromium (Debian's, driven by
// playwright-core from tools/node_modules) loads the dashboard and the test
// checks that
//   - each chart (flows, backlog, rejections, outreach SLA) was drawn: a
//     Chart.js chart on a canvas with painted pixels, holding exactly the
//     numbers of the summary the page fetched;
//   - the totals, alerts, backlog, RTF and capacity tables show that
//     summary's numbers;
//   - those numbers are MonitorService's: the counts match `hubctl stats
//     --json` (MonitorService.GetSummary over gRPC) taken right after;
// and saves a screenshot to OUT_DIR/dashboard.png.
//
// Exit status: 0 pass, 1 fail, 77 (CTest SKIP) only when chromium or
// tools/node_modules/playwright-core is missing. Every wait polls with a
// deadline; nothing sleeps a fixed time.
import { spawn, execFile } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const SKIP = 77;

function parseArgs(argv) {
  const args = {};
  for (const a of argv) {
    const m = /^--([a-z_]+)=(.*)$/.exec(a);
    if (!m) {
      console.error(`dashboard_test: unexpected argument ${a}`);
      process.exit(2);
    }
    args[m[1]] = m[2];
  }
  for (const required of ["source_dir", "hubd", "hubctl", "countygen", "out_dir"]) {
    if (!args[required]) {
      console.error(`dashboard_test: --${required} is required`);
      process.exit(2);
    }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const toolsDir = path.join(args.source_dir, "tools");

function findChromium() {
  const candidates = [args.chromium, process.env.CHROMIUM, "/usr/bin/chromium",
                      "/usr/bin/chromium-browser"].filter(Boolean);
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const chromium = findChromium();
if (!chromium) {
  console.log("SKIP: no chromium (apt-get install chromium, or pass --chromium=PATH)");
  process.exit(SKIP);
}
if (!fs.existsSync(path.join(toolsDir, "node_modules", "playwright-core", "package.json"))) {
  console.log("SKIP: tools/node_modules/playwright-core is missing (npm ci in tools/)");
  process.exit(SKIP);
}
const requireTools = createRequire(path.join(toolsDir, "package.json"));
const { chromium: playwrightChromium } = requireTools("playwright-core");

// ------------------------------------------------------------------ helpers

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
  return condition;
}
// JSON with object keys sorted (field order is not part of a value).
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}

// The first place where two JSON values differ, as "path: a vs b"; "" if equal.
function firstDifference(a, b, where = "") {
  if (canonical(a) === canonical(b)) return "";
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[key], b[key], `${where}/${key}`);
      if (d) return d;
    }
  }
  const clip = (v) => { const t = JSON.stringify(v) ?? "undefined"; return t.length > 300 ? `${t.slice(0, 300)}...` : t; };
  return `at ${where || "/"}: ${clip(a)} vs ${clip(b)}`;
}
function checkEqual(actual, expected, what) {
  const d = firstDifference(actual, expected);
  return check(d === "", `${what}: shown and expected differ ${d}`);
}

function log(message) {
  console.log(`[dashboard_test] ${message}`);
}

// Runs a program; resolves with stdout, rejects with its stderr on failure.
function run(program, argv, { timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(program, argv, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${path.basename(program)} ${argv.join(" ")} failed: ${err.message}\n${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

// Polls `probe` (async, returns a value or undefined) until it yields a
// value or the deadline passes.
async function pollUntil(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

function readPort(file) {
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    return /^[0-9]+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

const num = (v) => Number(v ?? 0);

// The dashboard's own duration format (hub/monitor/dashboard/dashboard.js).
function formatSeconds(seconds) {
  const x = Math.max(0, Number(seconds) || 0);
  if (x < 9.95) return `${Math.round(x * 10) / 10}s`;
  let s = Math.round(x);
  const d = Math.floor(s / 86400); s %= 86400;
  const h = Math.floor(s / 3600); s %= 3600;
  const m = Math.floor(s / 60); s %= 60;
  if (d > 0) return `${d}d${h}h${m}m${s}s`;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
function latencyText(l) {
  if (!l || num(l.count) === 0) return "-";
  return `${formatSeconds(l.p50Seconds)} / ${formatSeconds(l.p90Seconds)} / ${formatSeconds(l.p99Seconds)}`;
}

// ------------------------------------------------------------------ the hub

const work = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), "dashboard-test-"));
fs.mkdirSync(args.out_dir, { recursive: true });
let hubd = null;
let hubdExited = null;
let browser = null;

async function startHub() {
  const seed = path.join(args.source_dir, "demo/san_diego/directory.textproto");
  // An alert the scenario is sure to raise: any unacknowledged record.
  fs.writeFileSync(path.join(work, "monitor.textproto"), "backlog_count_alert: 1\n");
  const hubdArgs = [
    // Plaintext gRPC on loopback (the dashboard under test is HTTP either
    // way; the access policy over TLS is tests/hub/identity_test's job).
    "--insecure_loopback",
    "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
    `--data_dir=${path.join(work, "data")}`, `--seed=${seed}`,
    `--backup_dir=${path.join(work, "backups")}`,
    `--port_file=${path.join(work, "grpc.port")}`,
    `--http_port_file=${path.join(work, "http.port")}`,
    `--monitor_config=${path.join(work, "monitor.textproto")}`,
    `--dashboard_dir=${path.join(args.source_dir, "hub/monitor/dashboard")}`,
    `--chart_js=${path.join(toolsDir, "node_modules/chart.js/dist/chart.umd.js")}`,
  ];
  const logFile = fs.openSync(path.join(work, "hubd.log"), "w");
  hubd = spawn(args.hubd, hubdArgs, { stdio: ["ignore", logFile, logFile] });
  hubdExited = new Promise((resolve) => hubd.on("exit", (code, signal) => resolve({ code, signal })));
  let exited = null;
  hubdExited.then((e) => { exited = e; });
  const ports = await pollUntil("hubd's port files", async () => {
    if (exited) throw new Error(`hubd exited during start-up (${JSON.stringify(exited)}); log: ${path.join(work, "hubd.log")}`);
    const grpc = readPort(path.join(work, "grpc.port"));
    const http = readPort(path.join(work, "http.port"));
    return grpc && http ? { grpc, http } : undefined;
  }, 60000);
  log(`hubd pid ${hubd.pid}: gRPC 127.0.0.1:${ports.grpc}, HTTP 127.0.0.1:${ports.http}`);
  return ports;
}

async function stopHub() {
  if (!hubd || hubd.exitCode !== null || hubd.signalCode !== null) return;
  hubd.kill("SIGTERM");
  const timer = setTimeout(() => hubd.kill("SIGKILL"), 30000);
  const { code, signal } = await hubdExited;
  clearTimeout(timer);
  check(code === 0, `hubd exited with ${code ?? signal} after SIGTERM (want 0)`);
}

// The demo day (scripts/demo.sh, smaller): plan files, the providers'
// records, every plan but one pulling and acknowledging its feed.
async function playDay(server) {
  const hubctl = (...a) => run(args.hubctl, [`--server=${server}`, ...a]);
  const today = new Date().toISOString().slice(0, 10);
  const files = path.join(work, "plan-files");
  await run(args.countygen, [
    "--seed=2026", "--members=400", "--error_rate=0.03", `--as_of=${today.slice(0, 7)}`,
    `--directory=${path.join(args.source_dir, "demo/san_diego/directory.textproto")}`,
    `--profiles_dir=${path.join(args.source_dir, "adapters/plans")}`,
    `--reference_dir=${path.join(args.source_dir, "data/reference")}`,
    `--out=${files}`, `--provider_day=${today}`,
  ]);
  let uploads = 0;
  for (const plan of fs.readdirSync(files).sort()) {
    const dir = path.join(files, plan);
    if (plan === "providers" || !fs.statSync(dir).isDirectory()) continue;
    for (const kind of ["assignment", "authorization", "quality"]) {
      const file = fs.readdirSync(dir).find((f) => f.startsWith(`${kind}.`));
      if (!file) continue;
      await hubctl("upload", `--plan=${plan}`, `--kind=${kind}`, path.join(dir, file));
      uploads++;
    }
  }
  let submits = 0;
  const providers = path.join(files, "providers");
  for (const file of fs.readdirSync(providers).sort()) {
    const m = /^(.*)\.(jsonl|csv)$/.exec(file);
    if (!m) continue;
    await hubctl("submit", `--provider=${m[1]}`, path.join(providers, file));
    submits++;
  }
  log(`uploaded ${uploads} plan files, submitted ${submits} provider files`);
  const before = JSON.parse(await hubctl("stats", "--json")).summary;
  const waiting = (before.backlogs || []).filter((b) => num(b.unackedCount) > 0).map((b) => b.planId);
  if (!check(waiting.length >= 2, `the day should leave records for at least 2 plans, got ${waiting}`)) return null;
  const behind = waiting[waiting.length - 1];
  for (const plan of waiting.slice(0, -1)) await hubctl("pull", `--plan=${plan}`, "--ack");
  log(`plans ${waiting.slice(0, -1).join(", ")} acknowledged their feeds; ${behind} did not`);
  return behind;
}

// ------------------------------------------------------------------ the page

// Everything the page shows, read from its DOM and its Chart.js charts.
function readPage() {
  const text = (id) => document.querySelector(`[data-testid="${id}"]`).textContent;
  const chart = (id) => {
    const canvas = document.getElementById(id);
    const c = window.Chart && window.Chart.getChart(canvas);
    let painted = 0;
    if (canvas.width > 0 && canvas.height > 0) {
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    }
    return {
      exists: Boolean(c),
      width: canvas.width,
      height: canvas.height,
      painted,
      labels: c ? c.data.labels.map(String) : [],
      datasets: c ? c.data.datasets.map((d) => ({ label: d.label, data: d.data.map(Number) })) : [],
    };
  };
  const rows = (id) => [...document.querySelectorAll(`#${id} tbody tr`)].map((tr) =>
    [...tr.querySelectorAll("td")].map((td) => td.textContent));
  return {
    totals: {
      accepted: text("total-accepted"),
      rejectedByHub: text("total-rejected-by-hub"),
      deliveredPending: text("total-delivered-pending"),
      acceptedByPlan: text("total-accepted-by-plan"),
      rejectedByPlan: text("total-rejected-by-plan"),
      latency: text("latency"),
    },
    error: document.getElementById("error").hidden ? "" : document.getElementById("error").textContent,
    alertCount: text("alert-count"),
    alerts: [...document.querySelectorAll("#alerts li[data-alert-id]")].map((li) => li.dataset.alertId),
    charts: {
      flows: chart("chart-flows"),
      backlog: chart("chart-backlog"),
      rejections: chart("chart-rejections"),
      sla: chart("chart-sla"),
    },
    backlogRows: rows("backlog-table"),
    rtfRows: rows("rtf-table"),
    capacityRows: rows("capacity-table"),
  };
}

// The rows a table shows for `items`, or the single "none" row.
const orNone = (items, row) => (items.length === 0 ? [["none"]] : items.map(row));

function checkPage(shown, s) {
  const t = s.totals || {};
  checkEqual(shown.error, "", "the page's error line");
  checkEqual(shown.totals, {
    accepted: String(num(t.accepted)),
    rejectedByHub: String(num(t.rejectedByHub)),
    deliveredPending: String(num(t.deliveredPending)),
    acceptedByPlan: String(num(t.acceptedByPlan)),
    rejectedByPlan: String(num(t.rejectedByPlan)),
    latency: latencyText(t.ackLatency),
  }, "totals tiles");

  for (const [name, c] of Object.entries(shown.charts)) {
    check(c.exists, `chart ${name}: no Chart.js chart on its canvas`);
    check(c.width > 50 && c.height > 50, `chart ${name}: canvas is ${c.width}x${c.height}`);
    check(c.painted > 500, `chart ${name}: only ${c.painted} painted pixels`);
  }

  // Flows per plan over time: one stack per plan and the hub's rejections.
  const series = s.series || {};
  checkEqual(shown.charts.flows.datasets, [
    ...(series.plans || []).map((p) => ({ label: p.planId, data: (p.accepted || []).map(num) })),
    { label: "rejected by hub", data: (series.rejectedByHub || []).map(num) },
  ], "flows chart");
  checkEqual(shown.charts.flows.labels.length, (series.rejectedByHub || []).length, "flows chart buckets");

  // Backlog age per plan (minutes, one decimal) and its table.
  const backlogs = s.backlogs || [];
  checkEqual(shown.charts.backlog.labels, backlogs.map((b) => b.planId), "backlog chart plans");
  const oldest = Math.max(0, ...backlogs.map((b) => num(b.oldestUnackedAgeSeconds)));
  const [unit, unitSeconds] = oldest < 120 ? ["seconds", 1] : oldest < 7200 ? ["minutes", 60] : ["hours", 3600];
  checkEqual(shown.charts.backlog.datasets, [{
    label: `oldest unacknowledged (${unit})`,
    data: backlogs.map((b) => Math.round(num(b.oldestUnackedAgeSeconds) / unitSeconds * 10) / 10),
  }], "backlog chart ages");
  check(shown.charts.backlog.datasets[0]?.data.some((v) => v > 0), "backlog chart shows no age");
  checkEqual(shown.backlogRows, orNone(backlogs, (b) => [
    b.planId, String(num(b.unackedCount)),
    num(b.unackedCount) > 0 ? formatSeconds(b.oldestUnackedAgeSeconds) : "-", latencyText(b.ackLatency),
  ]), "backlog table");

  // Rejections by reason.
  const reasons = s.rejectionReasons || [];
  checkEqual(shown.charts.rejections.labels.map((l) => l.replace(/ \(.*\)$/, "")),
             reasons.map((r) => r.reasonCode), "rejections chart reasons");
  checkEqual(shown.charts.rejections.datasets.map((d) => d.data), [reasons.map((r) => num(r.count))],
             "rejections chart counts");

  // Outreach deadlines per plan.
  const sla = new Map();
  for (const r of s.outreachSla || []) {
    const row = sla.get(r.planId) || [0, 0, 0, 0];
    [r.met, r.late, r.missing, r.pending].forEach((v, i) => { row[i] += num(v); });
    sla.set(r.planId, row);
  }
  const slaPlans = [...sla.keys()].sort();
  checkEqual(shown.charts.sla.labels, slaPlans, "outreach chart plans");
  checkEqual(shown.charts.sla.datasets.map((d) => d.data),
             [0, 1, 2, 3].map((i) => slaPlans.map((p) => sla.get(p)[i])), "outreach chart counts");

  checkEqual(shown.rtfRows, orNone(s.overdueRtfs || [], (r) => [
    r.planId, r.providerId, r.period, String(num(r.assignedMembers))]), "overdue RTF table");

  checkEqual(shown.capacityRows.map((r) => r.slice(0, 2).concat(r.slice(3, 5))),
             orNone(s.capacity || [], (c) => [c.providerId, c.planId, String(num(c.assigned)),
                                             num(c.capacity) > 0 ? String(num(c.capacity)) : "-"]),
             "capacity table");

  checkEqual([...shown.alerts].sort(), (s.alerts || []).map((a) => a.alertId).sort(), "alerts list");
  checkEqual(shown.alertCount, `(${(s.alerts || []).length})`, "alert count");
}

// Proto JSON of the HTTP endpoint prints every field; hubctl's omits
// defaults. Drops default values so the two compare.
function withoutDefaults(v) {
  if (Array.isArray(v)) return v.map(withoutDefaults);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const y = withoutDefaults(x);
      const empty = y === undefined || y === null || y === 0 || y === "0" || y === "" || y === false ||
                    (typeof y === "string" && /^[A-Z_]+_UNSPECIFIED$/.test(y)) ||
                    (Array.isArray(y) && y.length === 0) ||
                    (typeof y === "object" && !Array.isArray(y) && Object.keys(y).length === 0);
      if (!empty) out[k] = y;
    }
    return out;
  }
  return v;
}

// The counts that do not move with the clock, to compare two summaries.
function counts(summary) {
  const s = withoutDefaults(summary);
  return {
    totals: { ...(s.totals || {}) },
    flows: s.flows || [],
    series: (s.series || {}).plans || [],
    backlogs: (s.backlogs || []).map((b) => [b.planId, b.headSequence, b.cursor, b.unackedCount,
                                             b.oldestUnackedAcceptTime, b.ackLatency]),
    rejectionReasons: s.rejectionReasons || [],
    ingest: s.ingest || [],
    outreachSla: s.outreachSla || [],
    overdueRtfs: s.overdueRtfs || [],
    capacity: s.capacity || [],
    alerts: (s.alerts || []).map((a) => a.alertId),
  };
}

async function checkDashboard(ports, behind) {
  const server = `127.0.0.1:${ports.grpc}`;
  browser = await playwrightChromium.launch({
    executablePath: chromium,
    headless: true,
    // Root in a container has no user namespaces for the sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  // The summary the page draws is the one it fetched: capture it.
  const fetched = page.waitForResponse((r) => r.url().includes("/api/summary"), { timeout: 60000 });
  await page.goto(`http://127.0.0.1:${ports.http}/?refresh=0`, { timeout: 60000 });
  const response = await fetched;
  checkEqual(response.status(), 200, "/api/summary status");
  const drawn = (await response.json()).summary;
  await page.waitForFunction(
    (t) => document.body.dataset.loaded === "true" && document.body.dataset.computeTime === t,
    drawn.computeTime, { timeout: 60000 });
  const grpcAfter = JSON.parse(await run(args.hubctl, [`--server=${server}`, "stats", "--json"])).summary;

  const shown = await page.evaluate(readPage);
  await page.screenshot({ path: path.join(args.out_dir, "dashboard.png") });
  await page.screenshot({ path: path.join(args.out_dir, "dashboard-full.png"), fullPage: true });
  log(`screenshots: ${path.join(args.out_dir, "dashboard.png")} (first screen), dashboard-full.png (whole page)`);

  checkPage(shown, drawn);
  // The page's numbers are MonitorService's.
  checkEqual(counts(drawn), counts(grpcAfter), "the page's summary vs MonitorService (hubctl stats --json)");
  checkEqual(consoleErrors, [], "browser console errors");

  // The scenario must show something in every part, or the checks above
  // prove little.
  const t = drawn.totals || {};
  check(num(t.accepted) > 0, "no records accepted");
  check(num(t.rejectedByHub) > 0, "no records rejected by the hub");
  check(num(t.acceptedByPlan) > 0, "no records acknowledged by a plan");
  check(num(t.deliveredPending) > 0, "no records waiting for a plan");
  check((drawn.rejectionReasons || []).length > 0, "no rejection reasons");
  check((drawn.capacity || []).some((c) => num(c.assigned) > 0), "no provider serves members");
  const lagging = (drawn.backlogs || []).find((b) => b.planId === behind);
  check(lagging && num(lagging.unackedCount) > 0, `${behind} should have a backlog`);
  check((drawn.alerts || []).some((a) => a.alertId === `BACKLOG_COUNT/${behind}/`),
        `BACKLOG_COUNT/${behind}/ should fire`);
  check(shown.capacityRows.length > 0 && shown.capacityRows[0][0] !== "none", "capacity table is empty");
  log(`page: ${shown.totals.accepted} accepted, ${shown.totals.rejectedByHub} rejected by hub, ` +
      `${shown.totals.deliveredPending} pending, ${shown.alerts.length} alert(s), ` +
      `${shown.capacityRows.length} capacity rows, ${(drawn.outreachSla || []).length} outreach rows`);
}

let status = 0;
try {
  const ports = await startHub();
  const behind = await playDay(`127.0.0.1:${ports.grpc}`);
  if (behind) await checkDashboard(ports, behind);
} catch (e) {
  failures.push(`error: ${e.stack || e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopHub().catch((e) => failures.push(`stopping hubd: ${e}`));
}
if (failures.length > 0) {
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(`dashboard_test: ${failures.length} failure(s); hubd log and files kept in ${work}`);
  status = 1;
} else {
  fs.rmSync(work, { recursive: true, force: true });
  log("PASS");
}
process.exit(status);

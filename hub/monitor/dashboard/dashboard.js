// The county dashboard: fetches /api/summary (hub.v1.GetSummaryResponse as
// JSON, the body of MonitorService.GetSummary) and draws it with Chart.js.
// URL parameters: ?window=SECONDS (0 = the hub's window), ?refresh=SECONDS
// (0 = never; default 15).
//
// When a summary is drawn, <body data-loaded="true"> and
// data-compute-time hold its compute time (the browser test waits on them).
"use strict";

(function () {
  const params = new URLSearchParams(window.location.search);
  const refreshSeconds = Number(params.get("refresh") ?? "15");
  const windowSelect = document.getElementById("window");
  if (params.has("window")) windowSelect.value = params.get("window");

  const charts = {};
  // Plan colors, stable by plan order.
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  // Proto JSON writes int64 as strings.
  const num = (v) => Number(v ?? 0);
  const lower = (name, prefix) => String(name ?? "").replace(prefix, "").toLowerCase().replace(/_/g, " ");

  // Like hubctl stats ("1h2m3s"), with tenths under 10 s ("0.4s").
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

  // The unit of the backlog chart: seconds, minutes or hours by the oldest age.
  function backlogAgeUnit(backlogs) {
    const oldest = Math.max(0, ...backlogs.map((b) => num(b.oldestUnackedAgeSeconds)));
    if (oldest < 120) return { name: "seconds", seconds: 1 };
    if (oldest < 7200) return { name: "minutes", seconds: 60 };
    return { name: "hours", seconds: 3600 };
  }

  function latencyText(l) {
    if (!l || num(l.count) === 0) return "-";
    return `${formatSeconds(l.p50Seconds)} / ${formatSeconds(l.p90Seconds)} / ${formatSeconds(l.p99Seconds)}`;
  }

  function setText(testId, text) {
    document.querySelector(`[data-testid="${testId}"]`).textContent = text;
  }

  function cell(tr, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function fillTable(id, rows, makeRow) {
    const body = document.querySelector(`#${id} tbody`);
    body.replaceChildren();
    for (const row of rows) {
      const tr = document.createElement("tr");
      makeRow(tr, row);
      body.appendChild(tr);
    }
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      const td = cell(tr, "none");
      td.colSpan = document.querySelectorAll(`#${id} thead th`).length;
      body.appendChild(tr);
    }
  }

  // Creates or updates the chart on canvas `id`.
  function draw(id, config) {
    config.options = Object.assign({
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
    }, config.options || {});
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].options = config.options;
      charts[id].update();
    } else {
      charts[id] = new Chart(document.getElementById(id), config);
    }
  }

  function render(summary) {
    const totals = summary.totals || {};
    setText("total-accepted", num(totals.accepted));
    setText("total-rejected-by-hub", num(totals.rejectedByHub));
    setText("total-delivered-pending", num(totals.deliveredPending));
    setText("total-accepted-by-plan", num(totals.acceptedByPlan));
    setText("total-rejected-by-plan", num(totals.rejectedByPlan));
    setText("latency", latencyText(totals.ackLatency));
    setText("as-of", `as of ${summary.computeTime} · window from ${summary.windowStart}`);

    // Alerts.
    setText("alert-count", `(${(summary.alerts || []).length})`);
    const alerts = document.getElementById("alerts");
    alerts.replaceChildren();
    for (const a of summary.alerts || []) {
      const li = document.createElement("li");
      li.dataset.alertId = a.alertId;
      li.textContent = a.message;
      alerts.appendChild(li);
    }
    if ((summary.alerts || []).length === 0) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = "none";
      alerts.appendChild(li);
    }

    // Flows per plan over time.
    const series = summary.series || {};
    const start = Date.parse(series.startTime);
    const bucket = num(series.bucketSeconds) * 1000;
    const buckets = (series.rejectedByHub || []).length;
    const labels = [];
    for (let i = 0; i < buckets; i++) {
      const t = new Date(start + i * bucket);
      labels.push(t.toISOString().slice(5, 16).replace("T", " "));
    }
    const flowSets = (series.plans || []).map((p, i) => ({
      label: p.planId,
      data: (p.accepted || []).map(num),
      backgroundColor: palette[i % palette.length],
      stack: "accepted",
    }));
    flowSets.push({
      label: "rejected by hub",
      data: (series.rejectedByHub || []).map(num),
      backgroundColor: "#b3261e",
      stack: "rejected",
    });
    draw("chart-flows", {
      type: "bar",
      data: { labels, datasets: flowSets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });

    // Backlog age per plan.
    const backlogs = summary.backlogs || [];
    const ageUnit = backlogAgeUnit(backlogs);
    draw("chart-backlog", {
      type: "bar",
      data: {
        labels: backlogs.map((b) => b.planId),
        datasets: [{
          label: `oldest unacknowledged (${ageUnit.name})`,
          data: backlogs.map((b) => Math.round(num(b.oldestUnackedAgeSeconds) / ageUnit.seconds * 10) / 10),
          backgroundColor: "#ff7f0e",
        }],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });
    fillTable("backlog-table", backlogs, (tr, b) => {
      tr.dataset.plan = b.planId;
      cell(tr, b.planId);
      cell(tr, String(num(b.unackedCount)), "num");
      cell(tr, num(b.unackedCount) > 0 ? formatSeconds(b.oldestUnackedAgeSeconds) : "-");
      cell(tr, latencyText(b.ackLatency));
    });

    // Rejections by reason.
    const reasons = summary.rejectionReasons || [];
    const sourceColor = { REJECTION_SOURCE_SUBMISSION: "#b3261e", REJECTION_SOURCE_PLAN_FEED: "#9467bd",
                          REJECTION_SOURCE_PLAN_FILE: "#8c564b" };
    draw("chart-rejections", {
      type: "bar",
      data: {
        labels: reasons.map((r) => `${r.reasonCode} (${lower(r.source, "REJECTION_SOURCE_")})`),
        datasets: [{
          label: "rejections",
          data: reasons.map((r) => num(r.count)),
          backgroundColor: reasons.map((r) => sourceColor[r.source] || "#7f7f7f"),
        }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true } } },
    });

    // Outreach deadlines, per plan (all providers).
    const slaByPlan = new Map();
    for (const s of summary.outreachSla || []) {
      const row = slaByPlan.get(s.planId) || { met: 0, late: 0, missing: 0, pending: 0 };
      row.met += num(s.met); row.late += num(s.late);
      row.missing += num(s.missing); row.pending += num(s.pending);
      slaByPlan.set(s.planId, row);
    }
    const slaPlans = [...slaByPlan.keys()].sort();
    const slaSet = (key, label, color) => ({
      label, backgroundColor: color, data: slaPlans.map((p) => slaByPlan.get(p)[key]),
    });
    draw("chart-sla", {
      type: "bar",
      data: {
        labels: slaPlans,
        datasets: [slaSet("met", "met", "#2ca02c"), slaSet("late", "late (breach)", "#ff7f0e"),
                   slaSet("missing", "no outreach (breach)", "#b3261e"),
                   slaSet("pending", "not yet due", "#9da9b5")],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
    fillTable("rtf-table", summary.overdueRtfs || [], (tr, r) => {
      cell(tr, r.planId); cell(tr, r.providerId); cell(tr, r.period);
      cell(tr, String(num(r.assignedMembers)), "num");
    });

    // Capacity.
    fillTable("capacity-table", summary.capacity || [], (tr, c) => {
      tr.dataset.provider = c.providerId;
      tr.dataset.plan = c.planId;
      const service = c.kind === "PROVIDER_KIND_ECM" ? "ECM" : lower(c.communitySupport, "COMMUNITY_SUPPORT_");
      tr.dataset.service = service;
      if (c.atCapacity) tr.className = "full";
      cell(tr, c.providerId); cell(tr, c.planId); cell(tr, service);
      cell(tr, String(num(c.assigned)), "num");
      cell(tr, num(c.capacity) > 0 ? String(num(c.capacity)) : "-", "num");
      cell(tr, num(c.capacity) > 0 ? `${Math.round(num(c.utilization) * 100)}%${c.atCapacity ? " full" : ""}` : "-", "num");
    });

    // Claims: the plans' answers to the billed lines.
    fillTable("claims-table", summary.claims || [], (tr, p) => {
      const c = p.counts || {};
      const answered = num(c.accepted) + num(c.rejected) + num(c.paid) + num(c.denied);
      const top = Object.entries(p.denialReasons || {})
        .map(([reason, count]) => [reason, num(count)])
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([reason, count]) => `${reason} (${count})`)
        .join(", ");
      tr.dataset.plan = p.planId;
      cell(tr, p.planId);
      cell(tr, String(answered), "num");
      cell(tr, answered > 0 ? `${(num(p.acceptanceRate) * 100).toFixed(1)}%` : "-", "num");
      cell(tr, String(num(c.paid)), "num");
      cell(tr, String(num(c.denied)), "num");
      cell(tr, String(num(c.rejected)), "num");
      cell(tr, (num(c.paidCents) / 100).toFixed(2), "num");
      const median = p.medianDaysToPayment === undefined ? 0 : num(p.medianDaysToPayment);
      cell(tr, median >= 0 ? String(median) : "-", "num");
      cell(tr, top || "-");
    });

    document.body.dataset.computeTime = summary.computeTime;
    document.body.dataset.loaded = "true";
  }

  async function refresh() {
    const error = document.getElementById("error");
    try {
      const response = await fetch(`/api/summary?window_seconds=${encodeURIComponent(windowSelect.value)}`,
                                   { cache: "no-store" });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      if (typeof Chart === "undefined") throw new Error("the chart library did not load (/chart.umd.js)");
      render(body.summary || {});
      error.hidden = true;
    } catch (e) {
      error.textContent = `Could not load the summary: ${e.message}`;
      error.hidden = false;
    }
  }

  windowSelect.addEventListener("change", refresh);
  refresh();
  if (refreshSeconds > 0) setInterval(refresh, refreshSeconds * 1000);
})();

// `npm run bench`: every benchmark, printed as tables and written to bench-results/*.json.
// Benchmarks are measurements on this machine, not tests: they never fail on a number.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { REPO } from "@opsdeck/stack";
import { benchIngest } from "../exporters/bench/ingest.bench.ts";
import { benchPm2 } from "../exporters/bench/pm2.bench.ts";
import { benchPm2Memory } from "../exporters/bench/pm2-memory.bench.ts";
import { printTable } from "@opsdeck/stack/bench-stats";
import { benchNotifier } from "../alertmanager/notifier/bench/notifier.bench.ts";
import { benchQueue } from "../alertmanager/notifier/bench/queue.bench.ts";
import { benchLogs, DOCS as LOG_DOCS } from "../portal/bench/logs.bench.ts";
import { benchPortal } from "../portal/bench/portal.bench.ts";
import { benchTwoPortals } from "../portal/bench/two-portals.bench.ts";
import { benchSignIn } from "../portal/bench/signin.bench.ts";
import { benchStatusPage } from "../portal/bench/status.bench.ts";
import { benchTimeline } from "../portal/bench/timeline.bench.ts";
import { benchServers } from "../stack/bench/servers.bench.ts";
import { benchHosts } from "../stack/bench/hosts.bench.ts";
import { benchElasticsearchCluster } from "../stack/bench/es-cluster.bench.ts";
import { benchProbeLoad } from "../stack/bench/probes.bench.ts";
import { benchPreload } from "../instrument/bench/preload.bench.ts";
import { benchRum } from "../exporters/bench/rum.bench.ts";
import { benchOtlp } from "../instrument/bench/otlp.bench.ts";
import { benchRules } from "../portal/bench/rules.bench.ts";
import { benchRecovery } from "../portal/bench/recovery.bench.ts";

const only = process.argv[2];
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memory_gb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const out = join(REPO, "bench-results");
mkdirSync(out, { recursive: true });
console.log(
  `machine: ${JSON.stringify(machine)}\n(load generator and servers share these cores; expect run-to-run noise of 10–30 %)`,
);

if (!only || only === "pm2") {
  const rows = await benchPm2();
  printTable("PM2 exporter /metrics at 10 scrapes/s (200 scrapes): cached snapshot vs on-demand", rows);
  writeFileSync(join(out, "pm2.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "pm2-memory") {
  const rows = await benchPm2Memory();
  printTable(
    "PM2 exporter RSS while 500 apps are added (10 KB environment each), then steady (4 scrapes 15 s apart)",
    rows,
  );
  writeFileSync(join(out, "pm2-memory.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "ingest") {
  const r = await benchIngest();
  printTable("Ingest with durability (2xx = fsync'd); 6 s per row", r.ingest);
  printTable("Business /metrics at 10,000 series (re-rendered on every scrape)", r.scrape);
  printTable("Exporter RSS", r.rss);
  writeFileSync(join(out, "ingest.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "notifier") {
  const r = await benchNotifier();
  printTable("Notifier webhook ingest (2xx = fsync'd)", r.ingest);
  printTable("Notifier delivery latency under the rate budget (100 alerts, 5/s)", r.delivery);
  printTable("Notifier RSS", r.rss);
  writeFileSync(join(out, "notifier.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "notifier-queue") {
  const r = await benchQueue();
  printTable("Notifier ingest on a Redis queue beside the local journal (8 clients, 5 s; 2xx = fsync'd)", r.ingest);
  printTable("Takeover after kill -9 on the Redis queue", r.takeover);
  printTable("Notifier RSS after ingest and delivery, by layout", r.rss);
  writeFileSync(
    join(out, "notifier-queue.json"),
    JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2),
  );
}
if (!only || only === "es-cluster") {
  const r = await benchElasticsearchCluster();
  printTable("Log search on three Elasticsearch nodes, one killed (SIGKILL) mid-search; 20,000 lines", r.search);
  printTable("The cluster's recovery", r.recovery);
  writeFileSync(join(out, "es-cluster.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "portal") {
  const r = await benchPortal();
  printTable("Portal cold load in Chromium (fresh context each; LCP target ≤ 1.5 s)", r.load);
  printTable("First-load JavaScript per route, gzipped (target ≤ 300 KB)", r.bundle);
  printTable(`Deploy event posted → seen (one step every 100 ms; target p95 ≤ 50 ms in the browser)`, r.live);
  printTable("10,000 concurrent SSE streams to one process (RSS ≤ 1 GB, event to all p95 ≤ 500 ms)", r.sse);
  writeFileSync(join(out, "portal.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "two-portals") {
  const r = await benchTwoPortals();
  printTable("10,000 SSE streams: two portals sharing a Redis beside one portal alone (event to all)", r.fanout);
  printTable("Live stream takeover after the relaying portal's SIGKILL", r.takeover);
  writeFileSync(
    join(out, "two-portals.json"),
    JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2),
  );
}
if (!only || only === "signin") {
  const rows = await benchSignIn();
  printTable("/api/health latency while 8 clients keep signing in (the event loop's cost of password hashing)", rows);
  writeFileSync(join(out, "signin.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "logs") {
  const r = await benchLogs();
  const docs = LOG_DOCS.toLocaleString("en");
  printTable(`Elasticsearch loaded with ${docs} Filebeat-shaped documents`, r.load);
  printTable(
    `Log search over ${docs} documents, last 24 h, with filters (targets p95 ≤ 100 ms hits, ≤ 300 ms with histogram; overhead ≤ 15 %)`,
    r.search,
  );
  printTable("Live tail lag (target p95 ≤ 2 s)", r.tail);
  printTable("Import throughput (target ≥ 80 % of the raw _bulk ceiling)", r.import);
  writeFileSync(
    join(out, LOG_DOCS === 1_000_000 ? "logs.json" : `logs-${LOG_DOCS}.json`),
    JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2),
  );
}
if (!only || only === "servers") {
  const rows = await benchServers();
  printTable("Prometheus and Alertmanager on the whole test stack: built (what runs) vs Debian's (before)", rows);
  writeFileSync(join(out, "servers.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "probes") {
  const load = await benchProbeLoad();
  printTable("N HTTP probes on one blackbox_exporter, Prometheus scraping every 15 s (2 minutes each)", load);
  writeFileSync(join(out, "probes.json"), JSON.stringify({ machine, at: new Date().toISOString(), load }, null, 2));
}
if (!only || only === "status") {
  const rows = await benchStatusPage();
  printTable(
    "The public status page, 50 probes × 90 days (target p95 ≤ 200 ms), beside its bars' query straight from each recording rule",
    rows,
  );
  writeFileSync(join(out, "status.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "hosts") {
  const r = await benchHosts();
  printTable("Series one host brings (per scrape)", r.perHost);
  printTable("The agent on an app server: RSS and CPU, scraped every 15 s", r.footprint);
  printTable("One Prometheus, N hosts at 15 s (one agent listed N times): series, samples/s, RSS, CPU", r.load);
  printTable("A host added → its first scrape", r.add);
  writeFileSync(join(out, "hosts.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "timeline") {
  const r = await benchTimeline();
  printTable(
    "GET /api/timeline over a busy day (200 deploys, 2,000 firings, 1M log lines; target p95 ≤ 300 ms), beside its queries straight",
    r.api,
  );
  printTable("/timeline drawn in Chromium after its response (target ≤ 1 s)", r.draw);
  printTable('Notifier delivery with and without the "what changed?" line (target: ≤ 50 ms more at p99)', r.line);
  writeFileSync(join(out, "timeline.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "rum") {
  const r = await benchRum();
  printTable(
    "Page-load beacons into the business exporter (204 = fsync'd; 3 metrics each, every id new; 8 s per row)",
    r.ingest,
  );
  printTable("The business exporter's memory as beacons arrive", r.rss);
  writeFileSync(join(out, "rum.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "otlp") {
  const rows = await benchOtlp();
  printTable("Prometheus taking eight workers' request histograms: OTLP push beside scraping the same series", rows);
  writeFileSync(join(out, "otlp.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "preload") {
  const rows = await benchPreload();
  printTable(
    "An Express app with and without OpsDeck's preload (16 keep-alive clients, one route, 3 alternating rounds of 10 s each; exporting every 15 s)",
    rows,
  );
  writeFileSync(join(out, "preload.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}
if (!only || only === "rules") {
  const r = await benchRules();
  printTable("Backtest: 1,000 series × 7 days at 15-s steps (40 M samples), beside its raw range queries", r.backtest);
  printTable("A rule saved → loaded and evaluated by Prometheus (auto-reload 1 s, group every 5 s)", r.save);
  writeFileSync(join(out, "rules.json"), JSON.stringify({ machine, at: new Date().toISOString(), ...r }, null, 2));
}
if (!only || only === "recovery") {
  const rows = await benchRecovery();
  printTable(
    "Automatic recovery: alert → result on the alert, and the follow-up's delivery (whole native stack)",
    rows,
  );
  writeFileSync(join(out, "recovery.json"), JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2));
}

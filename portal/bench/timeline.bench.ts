// The timeline and the notifier's "what changed?" line, on real servers holding a busy day:
// 200 deploys (the deploy exporter), 2,000 alert firings and a day of PM2 restarts and KPI
// counters (Prometheus, backfilled by promtool from OpenMetrics), 1,000,000 log lines as
// Filebeat ships them (Elasticsearch).
// - GET /api/timeline for the 24 h, beside each of the queries it is made of, sent straight to
//   its server in the same run (the portal's own cost is the difference);
// - the /timeline page drawn in Chromium at 390 and 1440 px: from the response's end to the
//   chart drawn and interactive (its performance mark);
// - the notifier's delivery latency to a DingTalk stand-in with the line (asking the real portal
//   over the same data) and without it, alternating in the same run.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { hashPassword, parseConfig } from "@opsdeck/core";
import { esClient, indexPattern, initElasticsearch } from "@opsdeck/core/elastic";
import {
  BIN,
  freePort,
  launchExporter,
  launchNotifier,
  launchPortal,
  startAlertmanager,
  startElasticsearch,
  startPrometheus,
  type Proc,
} from "@opsdeck/stack";
import { dingtalkStandin } from "@opsdeck/stack/chat-standins";
import { postJson, summary, timeRepeated, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { launchChromium } from "../test/browser.ts";
import { cookieHeader, signIn } from "../test/signin.ts";
import { bodiesOf, bulkAll } from "./logs.bench.ts";

const DAY = 86_400_000;
const DEPLOYS = 200;
const FIRINGS = 2_000;
const ALERT_SERIES = 200;
const LOG_DOCS = Number(process.env.OPSDECK_BENCH_LOG_DOCS ?? 1_000_000);
const REQUESTS = 30;
const PAGE_LOADS = 10;
/** Per side: enough for a p99 that is not just the maximum. */
const MESSAGES = 200;
const PREFIX = "bench";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A day of ALERTS firings, PM2 restarts and shop counters as OpenMetrics, for promtool to backfill. */
function openMetrics(now: number): string {
  const start = Math.floor((now - DAY) / 1000);
  const lines: string[] = ["# TYPE ALERTS gauge"];
  const perSeries = FIRINGS / ALERT_SERIES;
  for (let s = 0; s < ALERT_SERIES; s++) {
    const labels = `alertname="BenchAlert${s % 20}",alertstate="firing",severity="${s % 3 ? "warning" : "critical"}",project="${s % 2 ? "shop" : "billing"}",host="web-${s % 3}",instance="i${s}"`;
    for (let f = 0; f < perSeries; f++) {
      // Each firing 5–20 minutes, spread over the day.
      const from = start + Math.floor(((f + s / ALERT_SERIES) / perSeries) * 86_000);
      const minutes = 5 + ((s * 7 + f * 3) % 16);
      for (let t = from; t < from + minutes * 60; t += 15) lines.push(`ALERTS{${labels}} 1 ${t}`);
    }
  }
  lines.push("# TYPE pm2_process_restarts counter");
  for (let app = 0; app < 4; app++) {
    let restarts = 0;
    for (let t = start; t < start + 86_400; t += 60) {
      if ((t / 60 + app * 37) % 97 === 0) restarts += 3;
      lines.push(`pm2_process_restarts_total{app="app-${app}",host="web-${app % 3}"} ${restarts} ${t}`);
    }
  }
  lines.push("# TYPE shop_orders counter");
  let orders = 0;
  for (let t = start; t < start + 86_400; t += 60) {
    orders += 5 + (t % 7);
    lines.push(`shop_orders_total ${orders} ${t}`);
  }
  lines.push("# EOF");
  return lines.join("\n") + "\n";
}

export async function benchTimeline() {
  const dir = tempDir("bench-timeline");
  const procs: Proc[] = [];
  const now = Date.now();
  // Prometheus over the backfilled day.
  writeFileSync(join(dir, "day.om"), openMetrics(now));
  execFileSync(
    BIN.promtool,
    ["tsdb", "create-blocks-from", "openmetrics", join(dir, "day.om"), join(dir, "prom", "data")],
    {
      stdio: "ignore",
    },
  );
  const prom = await startPrometheus({
    dir: join(dir, "prom"),
    port: await freePort(),
    config: "global: { scrape_interval: 15s }\n",
  });
  procs.push(prom.proc);
  const am = await startAlertmanager({
    dir: join(dir, "am"),
    port: await freePort(),
    config: "route: { receiver: none }\nreceivers: [{ name: none }]\n",
  });
  procs.push(am.proc);
  const es = await startElasticsearch({ dir: join(dir, "es"), port: await freePort(), heapMb: 2048 });
  procs.push(es.proc);
  const cfg = parseConfig(`elasticsearch:\n  url: ${es.url}\n  index_prefix: ${PREFIX}\n`, "bench");
  const client = esClient(cfg);
  await initElasticsearch(client, cfg.elasticsearch);
  await bulkAll(client, [...bodiesOf(LOG_DOCS)].values());
  await client.indices.refresh({ index: indexPattern(PREFIX, "logs") });

  const deployPort = await freePort();
  const portalPort = await freePort();
  const file = join(dir, "opsdeck.yml");
  writeFileSync(
    file,
    stringify({
      log: { level: "warn" },
      exporters: { deploy: { port: deployPort, token: TOKEN, data_dir: join(dir, "deploy") } },
      notifier: { token: TOKEN },
      portal: {
        port: portalPort,
        session_secret: "bench-session-secret-0123456789abcdef",
        users: [{ name: "ops", password_hash: await hashPassword("bench-password-1"), role: "operator" }],
        sources: {
          prometheus_url: prom.url,
          alertmanager_url: am.url,
          deploy_url: `http://127.0.0.1:${deployPort}`,
        },
      },
      elasticsearch: { url: es.url, index_prefix: PREFIX },
    }),
  );
  procs.push(await launchExporter("deploy", { configFile: file, url: `http://127.0.0.1:${deployPort}` }));
  for (let i = 0; i < DEPLOYS; i++) {
    const started = now - DAY + Math.floor((i / DEPLOYS) * (DAY - 600_000));
    const id = `bench-${i}`;
    await postJson(
      `http://127.0.0.1:${deployPort}/api/v1/deploys`,
      {
        id,
        project: i % 2 ? "shop" : "billing",
        environment: "production",
        version: `1.${i}.0`,
        actor: "ci",
        commit: (0xabc0000 + i).toString(16),
        hosts: [`web-${i % 3}`],
        started_at: new Date(started).toISOString(),
      },
      TOKEN,
    );
    await postJson(
      `http://127.0.0.1:${deployPort}/api/v1/deploys/${id}/finish`,
      { result: i % 10 ? "succeeded" : "failed", finished_at: new Date(started + 240_000).toISOString() },
      TOKEN,
    );
  }
  const base = `http://127.0.0.1:${portalPort}`;
  procs.push(await launchPortal({ configFile: file, url: base }));
  try {
    const cookies = await signIn(base, "ops", "bench-password-1");
    const api = await apiRows(base, cookieHeader(cookies), {
      prom: prom.url,
      deploy: `http://127.0.0.1:${deployPort}`,
      es: es.url,
      now,
    });
    const draw = await drawRows(base, cookies);
    const line = await lineRows(base, dir);
    return { api, draw, line };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

async function ok(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The API for the day, beside each query it is made of, straight to its server. */
async function apiRows(
  base: string,
  cookie: string,
  to: { prom: string; deploy: string; es: string; now: number },
): Promise<Row[]> {
  const from = to.now - DAY;
  const step = Math.ceil(DAY / 1000 / 240);
  const range = (query: string) =>
    ok(
      `${to.prom}/api/v1/query_range?${new URLSearchParams({ query, start: String(from / 1000), end: String(to.now / 1000), step: String(step) })}`,
    );
  const rows: Row[] = [];
  const add = (what: string, ms: number[]) => rows.push({ what, ...summary(ms) });
  add(
    "GET /api/timeline, 24 h, every lane (portal)",
    await timeRepeated(REQUESTS, () => ok(`${base}/api/timeline?from=${from}`, { headers: { cookie } })),
  );
  add(
    "GET /api/timeline, 24 h, project=shop (portal)",
    await timeRepeated(REQUESTS, () => ok(`${base}/api/timeline?from=${from}&project=shop`, { headers: { cookie } })),
  );
  add(
    "  deploys, 24 h (deploy exporter, straight)",
    await timeRepeated(REQUESTS, () =>
      ok(`${to.deploy}/api/v1/deploys?since=${new Date(from).toISOString()}&limit=500`),
    ),
  );
  add(
    "  ALERTS firing, 24 h (Prometheus, straight)",
    await timeRepeated(REQUESTS, () => range('ALERTS{alertstate="firing",alertname!="Watchdog"}')),
  );
  add(
    "  PM2 restarts, 24 h (Prometheus, straight)",
    await timeRepeated(REQUESTS, () =>
      range(`sum by (app, host) (increase(pm2_process_restarts_total[${Math.max(step, 60)}s])) > 0.5`),
    ),
  );
  add(
    "  error/warn volume per service, 24 h (Elasticsearch, straight)",
    await timeRepeated(REQUESTS, () =>
      ok(`${to.es}/${indexPattern(PREFIX, "logs")}/_search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          size: 0,
          query: {
            bool: {
              filter: [
                { terms: { "log.level": ["error", "fatal", "warn"] } },
                { range: { "@timestamp": { gte: from, lt: to.now, format: "epoch_millis" } } },
              ],
            },
          },
          aggs: {
            services: {
              terms: { field: "service.name", size: 20 },
              aggs: {
                time: {
                  date_histogram: { field: "@timestamp", fixed_interval: `${step}s`, min_doc_count: 1 },
                  aggs: { levels: { terms: { field: "log.level", size: 3 } } },
                },
              },
            },
          },
        }),
      }),
    ),
  );
  return rows;
}

/** From the response's end to the chart drawn and interactive, at a phone's and a desktop's width. */
async function drawRows(base: string, cookies: { name: string; value: string }[]): Promise<Row[]> {
  const browser = await launchChromium();
  const rows: Row[] = [];
  try {
    for (const width of [390, 1440]) {
      const ms: number[] = [];
      for (let i = 0; i < PAGE_LOADS + 1; i++) {
        const ctx = await browser.newContext({ locale: "zh-CN", viewport: { width, height: 900 } });
        await ctx.addCookies(cookies.map((c) => ({ ...c, url: base })));
        const page = await ctx.newPage();
        await page.goto(`${base}/timeline?from=${Date.now() - DAY}`);
        await page.locator("[data-timeline][data-drawn]").waitFor({ timeout: 30_000 });
        const drawn = await page.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          const mark = performance.getEntriesByName("opsdeck-timeline-drawn")[0];
          return mark.startTime - nav.responseEnd;
        });
        if (i > 0) ms.push(drawn); // the first load compiles nothing, but warms the browser
        await ctx.close();
      }
      rows.push({ what: `/timeline drawn after its response, ${width} px`, ...summary(ms) });
    }
  } finally {
    await browser.close();
  }
  return rows;
}

/**
 * Delivery latency (webhook in → DingTalk stand-in has it) with the "what changed?" line, which
 * asks the real portal over the day's data, and without; alternating, one message at a time.
 */
async function lineRows(portal: string, dir: string): Promise<Row[]> {
  const ding = await dingtalkStandin({ bench: {} }, { ratePerMinute: 6000 });
  const notifiers: Record<"with" | "without", { url: string; proc: Proc }> = {} as never;
  for (const which of ["with", "without"] as const) {
    const port = await freePort();
    const file = join(dir, `notifier-${which}.yml`);
    writeFileSync(
      file,
      stringify({
        log: { level: "warn" },
        notifier: {
          port,
          token: TOKEN,
          data_dir: join(dir, `notifier-${which}`),
          channels: { ding: { type: "dingtalk", access_token: "bench", base_url: ding.url, rate_per_minute: 600 } },
          receivers: { default: { channels: ["ding"] } },
          ...(which === "with" ? { changes: { portal_url: portal, timeout_ms: 800 } } : {}),
        },
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    notifiers[which] = { url, proc: await launchNotifier({ configFile: file, url }) };
  }
  /** One message through a notifier: from the webhook's 200 to the stand-in having it, in ms. */
  async function deliver(which: "with" | "without", name: string): Promise<number> {
    const alert = {
      status: "firing",
      labels: { alertname: name, severity: "warning", project: "shop", environment: "production", host: "web-1" },
      annotations: { summary: name },
      startsAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      fingerprint: name,
    };
    const t = performance.now();
    await postJson(
      `${notifiers[which].url}/api/v1/alerts`,
      {
        version: "4",
        groupKey: `{}:{alertname="${name}"}`,
        status: "firing",
        receiver: "default",
        groupLabels: { alertname: name },
        commonLabels: { alertname: name },
        alerts: [alert],
      },
      TOKEN,
    );
    const deadline = Date.now() + 30_000;
    while (!ding.received.some((m) => m.text.includes(name))) {
      if (Date.now() > deadline) throw new Error(`${name} never reached the DingTalk stand-in`);
      await sleep(2);
    }
    return performance.now() - t;
  }
  const ms = { with: [] as number[], without: [] as number[] };
  try {
    // The first message of each: the portal's summary route is compiled and its sources' caches
    // filled on its first question, once per portal start — shown on its own, not counted.
    const firstWith = await deliver("with", "BenchLineFirst");
    const firstWithout = await deliver("without", "BenchLineFirstWithout");
    for (let i = 0; i < MESSAGES * 2; i++) {
      const which = i % 2 ? "without" : "with";
      ms[which].push(await deliver(which, `BenchLine${i}`));
    }
    const lines = ding.received.filter((m) => !m.text.includes("BenchLineFirst") && m.text.includes("⚠")).length;
    return [
      { what: `delivery with the line (${lines} of ${MESSAGES} carried it)`, ...summary(ms.with) },
      { what: "delivery without it", ...summary(ms.without) },
      { what: "first message after the portal started, with the line (not counted above)", ...summary([firstWith]) },
      { what: "first message after the notifier started, without the line", ...summary([firstWithout]) },
    ];
  } finally {
    for (const n of Object.values(notifiers)) await n.proc.stop();
    await ding.close();
  }
}

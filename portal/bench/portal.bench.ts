// The portal's benchmarks, against the whole native stack (`npm start`'s code):
// - Overview cold load in Chromium (LCP, TTFB), beside the sign-in page (Next's floor);
// - first-load JavaScript per route, gzipped, and whether @grafana/data reached the browser,
//   beside what @grafana/data alone would weigh there;
// - a deploy event posted → seen by a bare SSE client of the deploy exporter, of the portal, and
//   drawn in the browser's DOM;
// - 10,000 concurrent SSE connections to one portal process (a bounded loopback client): held
//   without errors, the process tree's RSS, an event reaching all of them; beside the same
//   against the deploy exporter's own SSE hub.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import http from "node:http";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Browser, BrowserContext } from "playwright-core";
import { hashPassword } from "@opsdeck/core";
import { REPO } from "@opsdeck/stack";
import { openStream as stream, postJson, summary, type Row } from "@opsdeck/stack/bench-stats";
import { TOKEN } from "@opsdeck/stack/testkit";
import { stackConfig, stackPorts, startStack, type StackPorts } from "@opsdeck/stack/whole-stack";
import { launchChromium } from "../test/browser.ts";
import { cookieHeader, signIn } from "../test/signin.ts";

const LOADS = 15;
const EVENTS = 60;
const CONNECTIONS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kb = (b: number) => Math.round(b / 102.4) / 10;

const OPS_HASH = await hashPassword("bench-password-1");
export async function benchPortal() {
  const port = await stackPorts();
  const stack = await startStack("bench-portal", () =>
    stackConfig(port, {
      session_secret: "bench-session-secret-0123456789abcdef",
      users: [{ name: "ops", password_hash: OPS_HASH, role: "operator" }],
    }),
  );
  const base = `http://127.0.0.1:${port.portal}`;
  const browser = await launchChromium();
  try {
    const cookies = await signIn(base, "ops", "bench-password-1");
    const load = await coldLoads(browser, base, cookies);
    const bundle = await firstLoadJs(browser, base, cookies);
    const live = await eventToBrowser(browser, base, cookies, port);
    await browser.close();
    const sse = await manyStreams(base, cookies, port);
    return { load, bundle, live, sse };
  } finally {
    await browser.close().catch(() => undefined);
    await stack.stop();
  }
}

async function context(browser: Browser, base: string, cookies: { name: string; value: string }[]) {
  const ctx = await browser.newContext({ locale: "zh-CN" });
  await ctx.addCookies(cookies.map((c) => ({ ...c, url: base })));
  return ctx;
}

/** Cold loads (a fresh browser context each: no cache) of the Overview and of the sign-in page. */
async function coldLoads(browser: Browser, base: string, cookies: { name: string; value: string }[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, path, signedIn] of [
    ["Overview /", "/", true],
    ["sign-in /signin (Next's floor)", "/signin", false],
  ] as const) {
    const lcp: number[] = [];
    const ttfb: number[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      const ctx = signedIn ? await context(browser, base, cookies) : await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(base + path, { waitUntil: "load" });
      const t = await page.evaluate(
        () =>
          new Promise<{ lcp: number; ttfb: number }>((resolve) => {
            const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
            new PerformanceObserver((list) => {
              const e = list.getEntries();
              resolve({ lcp: e[e.length - 1].startTime, ttfb: nav.responseStart });
            }).observe({ type: "largest-contentful-paint", buffered: true });
          }),
      );
      await ctx.close();
      if (i === 0) continue; // the first load warms the server's route code, not the browser
      lcp.push(t.lcp);
      ttfb.push(t.ttfb);
    }
    const l = summary(lcp);
    const f = summary(ttfb);
    rows.push({
      page: name,
      loads: l.n,
      lcp_p50_ms: l.p50_ms,
      lcp_p95_ms: l.p95_ms,
      ttfb_p50_ms: f.p50_ms,
      ttfb_p95_ms: f.p95_ms,
    });
  }
  return rows;
}

const ROUTES = [
  "/",
  "/deploys",
  "/deploys/demo-shop-2",
  "/system",
  "/processes",
  "/business",
  "/alerts",
  "/dashboards",
];

/** JavaScript each route loads, gzipped here (level 6, as servers send it), and a @grafana/data marker. */
async function firstLoadJs(browser: Browser, base: string, cookies: { name: string; value: string }[]) {
  const rows: Row[] = [];
  for (const route of ROUTES) {
    const ctx = await context(browser, base, cookies);
    const page = await ctx.newPage();
    const bodies: Promise<Buffer>[] = [];
    page.on("response", (r) => {
      if (r.request().resourceType() === "script") bodies.push(r.body());
    });
    await page.goto(base + route, { waitUntil: "networkidle" });
    const js = await Promise.all(bodies);
    await ctx.close();
    rows.push({
      route,
      scripts: js.length,
      raw_kb: kb(js.reduce((a, b) => a + b.length, 0)),
      gzip_kb: kb(js.reduce((a, b) => a + gzipSync(b).length, 0)),
      // A string literal of @grafana/data's value formats (survives minification).
      grafana_data_in_bundle: js.some((b) => b.includes("Hash rate")) ? "yes" : "no",
    });
  }
  // The comparison: what the parts the portal uses (date math, ranges, value formats) would weigh
  // in the browser, bundled and minified alone.
  const out = await build({
    stdin: {
      contents: 'export { dateMath, rangeUtil, getValueFormat, formattedValueToString } from "@grafana/data";',
      resolveDir: `${REPO}portal`,
    },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const alone = out.outputFiles[0].contents;
  rows.push({
    route: "(@grafana/data alone, if bundled)",
    scripts: 1,
    raw_kb: kb(alone.length),
    gzip_kb: kb(gzipSync(alone).length),
    grafana_data_in_bundle: "—",
  });
  return rows;
}

/** Posts deploy steps; each is timed to the exporter's SSE, the portal's SSE, and the browser's DOM. */
async function eventToBrowser(
  browser: Browser,
  base: string,
  cookies: { name: string; value: string }[],
  port: StackPorts,
): Promise<Row[]> {
  const deploy = `http://127.0.0.1:${port.deploy}`;
  const id = `bench-live-${Date.now()}`;
  await postJson(`${deploy}/api/v1/deploys`, { id, project: "bench", environment: "bench" }, TOKEN);
  const seen = { exporter: new Map<string, number>(), portal: new Map<string, number>() };
  const watch = (m: Map<string, number>) => (c: Buffer, at: number) => {
    for (const s of c.toString().matchAll(/"step":"(s\d+)"/g)) if (!m.has(s[1])) m.set(s[1], at);
  };
  const reqs = [
    await stream(`${deploy}/api/v1/stream`, {}, watch(seen.exporter)),
    await stream(`${base}/api/stream`, { cookie: cookieHeader(cookies) }, watch(seen.portal)),
  ];
  const ctx: BrowserContext = await context(browser, base, cookies);
  const page = await ctx.newPage();
  await page.goto(`${base}/deploys`);
  await page.locator('[data-live="true"]').waitFor();
  await page.evaluate((deployId) => {
    const w = window as unknown as { seen: Record<string, number> };
    w.seen = {};
    new MutationObserver(() => {
      const now = Date.now();
      for (const el of document.querySelectorAll(`[data-deploy="${deployId}"] [data-step]`)) {
        const name = el.getAttribute("data-step")!;
        w.seen[name] ??= now;
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, id);
  const sent = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const name = `s${i}`;
    sent.set(name, Date.now());
    await postJson(`${deploy}/api/v1/deploys/${id}/steps`, { name, status: "running" }, TOKEN);
    await sleep(100);
  }
  await sleep(1000);
  const dom = new Map(
    Object.entries(await page.evaluate(() => (window as unknown as { seen: Record<string, number> }).seen)),
  );
  await ctx.close();
  for (const r of reqs) r.destroy();
  const lat = (m: Map<string, number>) => [...sent].filter(([n]) => m.has(n)).map(([n, t]) => m.get(n)! - t);
  return [
    {
      path: "POST → deploy exporter SSE client",
      ...summary(lat(seen.exporter)),
      missed: EVENTS - lat(seen.exporter).length,
    },
    {
      path: "POST → portal /api/stream client",
      ...summary(lat(seen.portal)),
      missed: EVENTS - lat(seen.portal).length,
    },
    { path: "POST → step drawn in Chromium", ...summary(lat(dom)), missed: EVENTS - lat(dom).length },
  ];
}

/** RSS of a process and all its descendants, in MB. */
function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  let total = 0;
  const walk = (pid: number) => {
    try {
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
    } catch {
      /* gone */
    }
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return Math.round(total / 2 ** 20);
}

/** The pid listening on a port (from /proc/net/tcp and the fds that hold the socket). */
function pidListening(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const line = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .find((l) => l.includes(`:${hex} 00000000:0000 0A`));
  const inode = line?.trim().split(/\s+/)[9];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      for (const fd of readdirSync(`/proc/${d}/fd`))
        if (readFileSyncLink(`/proc/${d}/fd/${fd}`) === `socket:[${inode}]`) return Number(d);
    } catch {
      /* not ours to read, or gone */
    }
  }
  throw new Error(`no process listens on ${port}`);
}
const readFileSyncLink = (p: string) => {
  try {
    return readlinkSync(p);
  } catch {
    return "";
  }
};

/** CONNECTIONS streams held at once; then events, each timed to every stream. */
async function manyStreams(base: string, cookies: { name: string; value: string }[], port: StackPorts): Promise<Row[]> {
  const deploy = `http://127.0.0.1:${port.deploy}`;
  const rows: Row[] = [];
  for (const [target, url, headers, listenPort] of [
    ["portal /api/stream", `${base}/api/stream`, { cookie: cookieHeader(cookies) }, port.portal],
    ["deploy exporter /api/v1/stream", `${deploy}/api/v1/stream`, {}, port.deploy],
  ] as const) {
    const pid = pidListening(listenPort);
    const rssBefore = treeRssMb(pid);
    const id = `bench-fanout-${Date.now()}`;
    await postJson(`${deploy}/api/v1/deploys`, { id, project: "bench", environment: "bench" }, TOKEN);
    const received: Map<string, number>[] = [];
    const reqs: http.ClientRequest[] = [];
    let errors = 0;
    const t0 = performance.now();
    // Opened 200 at a time: a bounded client, not a SYN flood.
    for (let i = 0; i < CONNECTIONS; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, CONNECTIONS - i) }, async () => {
          const got = new Map<string, number>();
          received.push(got);
          try {
            const req = await stream(url, headers, (c, at) => {
              const m = /"step":"(f\d+)"/.exec(c.toString("latin1"));
              if (m && !got.has(m[1])) got.set(m[1], at);
            });
            req.on("error", () => errors++);
            reqs.push(req);
          } catch {
            errors++;
          }
        }),
      );
    }
    const connectS = (performance.now() - t0) / 1000;
    await sleep(2000);
    const rssHeld = treeRssMb(pid);
    const lat: number[] = [];
    let missed = 0;
    for (let e = 0; e < 5; e++) {
      const name = `f${e}`;
      const sent = Date.now();
      await postJson(`${deploy}/api/v1/deploys/${id}/steps`, { name, status: "running" }, TOKEN);
      await sleep(4000);
      for (const got of received) {
        const at = got.get(name);
        if (at === undefined) missed++;
        else lat.push(at - sent);
      }
    }
    const rssAfter = treeRssMb(pid);
    for (const r of reqs) r.destroy();
    const s = summary(lat);
    rows.push({
      target,
      connections: reqs.length,
      errors,
      connect_s: Math.round(connectS * 10) / 10,
      rss_idle_mb: rssBefore,
      rss_held_mb: rssHeld,
      rss_after_events_mb: rssAfter,
      event_p50_ms: s.p50_ms,
      event_p95_ms: s.p95_ms,
      event_max_ms: s.max_ms,
      missed,
    });
    await sleep(3000); // let both sides close the sockets before the next run
  }
  return rows;
}

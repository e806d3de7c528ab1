// Business and deploy ingest with durability on (every 2xx is fsync'd), business /metrics at
// 10,000 series, and each exporter's RSS. The comparison: the same exporter with its journal on
// tmpfs (/dev/shm), where fsync costs nothing — the price of durability, measured.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, launchExporter, type Proc } from "@opsdeck/stack";
import { tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { serviceMemory, postJson, summary, timed, type Row } from "@opsdeck/stack/bench-stats";

const SECONDS = 6;
const BATCH = 100;

/** Runs `send` from `concurrency` clients for SECONDS; returns per-request latencies and items sent. */
async function load(concurrency: number, send: (i: number) => Promise<number>) {
  const ms: number[] = [];
  let items = 0;
  let i = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const [t, n] = await timed(() => send(i++));
        ms.push(t);
        items += n;
      }
    }),
  );
  return { ms, rate: Math.round(items / ((performance.now() - t0) / 1000)) };
}

const post = (url: string, body: unknown) => postJson(url, body, TOKEN);

async function startBoth(dataRoot: string) {
  const dir = tempDir("bench-ingest");
  const port = { deploy: await freePort(), business: await freePort() };
  const file = join(dir, "opsdeck.yml");
  writeFileSync(
    file,
    stringify({
      log: { level: "warn" },
      exporters: {
        deploy: { port: port.deploy, token: TOKEN, data_dir: join(dataRoot, "deploy") },
        business: {
          port: port.business,
          token: TOKEN,
          data_dir: join(dataRoot, "business"),
          metrics: [
            {
              name: "bench_orders_total",
              type: "counter",
              help: "Orders.",
              labels: [{ name: "channel", values: ["web", "app"] }],
            },
            {
              name: "bench_sku_sales_total",
              type: "counter",
              help: "Sales by SKU.",
              labels: [{ name: "sku", max_values: 10000 }],
            },
          ],
        },
      },
    }),
  );
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const deploy = await launchExporter("deploy", { configFile: file, url: url(port.deploy) });
  const business = await launchExporter("business", { configFile: file, url: url(port.business) });
  return {
    deploy,
    business,
    idle: {
      deploy: await serviceMemory(deploy.child.pid!, url(port.deploy)),
      business: await serviceMemory(business.child.pid!, url(port.business)),
    },
    urls: { deploy: url(port.deploy), business: url(port.business) },
  };
}

export async function benchIngest(): Promise<{ ingest: Row[]; scrape: Row[]; rss: Row[] }> {
  const ingest: Row[] = [];
  const scrape: Row[] = [];
  const rss: Row[] = [];
  const targets: [string, string][] = [["disk (fsync)", tempDir("bench-disk")]];
  if (existsSync("/dev/shm"))
    targets.push(["tmpfs (no fsync cost)", tempDir("bench-shm").replace(/^.*\//, "/dev/shm/")]);
  for (const [where, root] of targets) {
    const procs: Proc[] = [];
    try {
      const s = await startBoth(root);
      procs.push(s.deploy, s.business);
      if (where.startsWith("disk")) {
        rss.push({ exporter: "business (idle)", ...s.idle.business });
        rss.push({ exporter: "deploy (idle)", ...s.idle.deploy });
      }
      let id = 0;
      const events = () =>
        Array.from({ length: BATCH }, () => ({
          metric: "bench_orders_total",
          labels: { channel: "web" },
          event_id: `e${id++}`,
        }));
      // 1 and 2 clients: latency at a steady load; 8: the throughput ceiling (latency is queueing).
      for (const clients of [1, 2, 8]) {
        const b = await load(clients, async () => {
          await post(`${s.urls.business}/api/v1/events`, { events: events() });
          return BATCH;
        });
        const row = { exporter: "business", journal: where, request: `batch of ${BATCH}`, clients };
        ingest.push({ ...row, events_per_s: b.rate, ...summary(b.ms) });
      }
      for (let k = 0; k < 200; k++)
        await post(`${s.urls.deploy}/api/v1/deploys`, { id: `d${k}`, project: "bench", environment: "prod" });
      for (const clients of [1, 8]) {
        const d = await load(clients, async (i) => {
          const step = { name: `step${i % 7}`, status: "running", event_id: `s${clients}-${i}` };
          await post(`${s.urls.deploy}/api/v1/deploys/d${i % 200}/steps`, step);
          return 1;
        });
        const row = { exporter: "deploy", journal: where, request: "one step event", clients };
        ingest.push({ ...row, events_per_s: d.rate, ...summary(d.ms) });
      }

      if (where.startsWith("disk")) {
        // 10,000 series; one event between scrapes so every scrape renders anew.
        for (let k = 0; k < 10_000; k += 1000)
          await post(`${s.urls.business}/api/v1/events`, {
            events: Array.from({ length: 1000 }, (_, j) => ({
              metric: "bench_sku_sales_total",
              labels: { sku: `sku${k + j}` },
            })),
          });
        const ms: number[] = [];
        let size = 0;
        for (let k = 0; k < 100; k++) {
          await post(`${s.urls.business}/api/v1/events`, {
            events: [{ metric: "bench_sku_sales_total", labels: { sku: `sku${k}` } }],
          });
          const [t, body] = await timed(async () => (await fetch(`${s.urls.business}/metrics`)).text());
          ms.push(t);
          size = body.length;
        }
        scrape.push({ exporter: "business", series: 10_000, body_kb: Math.round(size / 1024), ...summary(ms) });
        rss.push({
          exporter: "business (after the ingest above, 10k series)",
          ...(await serviceMemory(s.business.child.pid!, s.urls.business)),
        });
        rss.push({
          exporter: "deploy (after the ingest above)",
          ...(await serviceMemory(s.deploy.child.pid!, s.urls.deploy)),
        });
      }
    } finally {
      for (const p of procs) await p.stop();
    }
  }
  return { ingest, scrape, rss };
}

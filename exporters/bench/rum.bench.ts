// Page-load beacons into the business exporter (POST /api/v1/rum, 204 once fsync'd), as browsers
// send them: one beacon per request, three metrics each (a first view's LCP, FCP and TTFB), every
// id new. Beside it in the same run, the same exporter with its journal on tmpfs, where fsync
// costs nothing. Then the RSS once a million beacons are in: the id dedupe and the histograms must
// not grow with them.
import { existsSync } from "node:fs";
import { launchExporter, type Proc } from "@opsdeck/stack";
import { tempDir, writeConfig } from "@opsdeck/stack/testkit";
import { cpuSeconds, postJson, serviceMemory, summary, timed, type Row } from "@opsdeck/stack/bench-stats";

const SECONDS = 8;
const MILLION = Number(process.env.OPSDECK_BENCH_RUM_BEACONS ?? 1_000_000);
const ROUTES = ["/", "/products/:id", "/cart", "/checkout"];
const PATHS = ["/", "/products/42", "/products/7", "/cart", "/checkout", "/about"];
const DEVICES = ["mobile", "desktop", "tablet"] as const;

async function startBusiness(dataDir: string) {
  const config = await writeConfig(tempDir("bench-rum"), {
    business: { data_dir: dataDir, rum: { apps: [{ name: "shop", routes: ROUTES }], sample_rate: 1 } },
  });
  const url = config.urls.business;
  return { proc: await launchExporter("business", { configFile: config.file, url }), url };
}

let serial = 0;
/** A first view's beacon, as web-vitals' ids are: unique per metric and page load. */
function beacon() {
  const n = serial++;
  const id = (name: string) => `v5-${name}-${n}-bench`;
  return {
    app: "shop",
    path: PATHS[n % PATHS.length],
    device: DEVICES[n % DEVICES.length],
    metrics: [
      { name: "TTFB", id: id("ttfb"), value: 80 + (n % 300), navigation: "navigate" },
      { name: "FCP", id: id("fcp"), value: 600 + (n % 2000), navigation: "navigate" },
      { name: "LCP", id: id("lcp"), value: 900 + (n % 4000), navigation: "navigate" },
    ],
  };
}

/** `clients` closed-loop senders for `seconds` (or until `total` beacons): latencies and rate. */
async function send(url: string, clients: number, opts: { seconds?: number; total?: number }) {
  const ms: number[] = [];
  let sent = 0;
  const end = performance.now() + (opts.seconds ?? Infinity) * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end && sent < (opts.total ?? Infinity)) {
        sent++;
        const [t, status] = await timed(() => postJson(`${url}/api/v1/rum`, beacon()));
        if (status !== 204) throw new Error(`a beacon answered ${status}`);
        ms.push(t);
      }
    }),
  );
  return { ms, rate: Math.round(ms.length / ((performance.now() - t0) / 1000)) };
}

export async function benchRum(): Promise<{ ingest: Row[]; rss: Row[] }> {
  const ingest: Row[] = [];
  const rss: Row[] = [];
  const journals: [string, string][] = [["disk (fsync)", tempDir("bench-rum-disk")]];
  if (existsSync("/dev/shm"))
    journals.push(["tmpfs (no fsync cost)", tempDir("bench-rum-shm").replace(/^.*\//, "/dev/shm/")]);
  for (const [journal, dataDir] of journals) {
    let proc: Proc | undefined;
    try {
      const business = await startBusiness(dataDir);
      proc = business.proc;
      await send(business.url, 4, { total: 2000 }); // warmed: routes, JIT, the journal's file
      // 1 and 8 clients: latency at a steady load; 64: the ceiling (latency there is queueing).
      // The exporter's own CPU per beacon says what it takes on a core of its own: here the load
      // generator shares the two cores with it.
      for (const clients of [1, 8, 64]) {
        const cpu = cpuSeconds(proc.child.pid!);
        const r = await send(business.url, clients, { seconds: SECONDS });
        const perBeacon = (cpuSeconds(proc.child.pid!) - cpu) / r.ms.length;
        ingest.push({
          journal,
          clients,
          beacons_per_s: r.rate,
          ...summary(r.ms),
          exporter_cpu_us_per_beacon: Math.round(perBeacon * 1e6),
          beacons_per_exporter_core_s: Math.round(1 / perBeacon),
        });
      }
      if (journal.startsWith("disk")) {
        rss.push({
          after: `${serial.toLocaleString("en")} beacons`,
          ...(await serviceMemory(proc.child.pid!, business.url)),
        });
        const t = performance.now();
        await send(business.url, 32, { total: Math.max(0, MILLION - serial) });
        rss.push({
          after: `${serial.toLocaleString("en")} beacons (${Math.round((performance.now() - t) / 1000)} s more)`,
          ...(await serviceMemory(proc.child.pid!, business.url)),
        });
      }
    } finally {
      await proc?.stop();
    }
  }
  return { ingest, rss };
}

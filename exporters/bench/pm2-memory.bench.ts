// The PM2 exporter's memory on an app server with 500 processes (issue 24: ≤ 100 MB RSS, peaks
// included). The exporter runs as its unit runs it, from the start, while 500 apps are added in
// batches of 50 (the peak: every start is a bus event and a refresh), then for a minute of
// scrapes at 15 s (steady). Each app carries a 10 KB environment, as real apps do (5–20 KB):
// PM2 sends every process's whole environment with every process list. Sampled every 100 ms.
// Beside it, in the same run and the same way: the same exporter without V8's --optimize-for-size,
// and the exporter as it read the daemon before (pm2's own client, every message parsed whole:
// pm2-client-exporter.ts), bundled alike.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  freePort,
  httpOk,
  launchExporter,
  pm2,
  REPO,
  SERVICE_NODE_FLAGS,
  spawnProc,
  waitUntil,
  type Proc,
} from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { cpuSeconds, rssBytes, type Row } from "@opsdeck/stack/bench-stats";

const APPS = Number(process.env.OPSDECK_BENCH_PM2_APPS ?? 500);
const BATCH = 50;
const ENV_BYTES = 10_000;
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples a process's RSS every 100 ms until stopped; the highest seen. */
function peakSampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
  return {
    reset: () => (peak = rssBytes(pid)),
    get peak() {
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}

/** Starts one of the two exporters against the daemon at `home`; its port. */
type Start = (home: string, dir: string) => Promise<{ proc: Proc; port: number }>;

const opsdeck: Start = async (home, dir) => {
  const port = await freePort();
  const file = join(dir, "opsdeck.yml");
  writeFileSync(file, stringify({ log: { level: "warn" }, exporters: { pm2: { port, pm2_home: home } } }));
  return { proc: await launchExporter("pm2", { configFile: file, url: `http://127.0.0.1:${port}` }), port };
};

/** The same exporter with the other services' node flags (without --optimize-for-size). */
const opsdeckServiceFlags: Start = async (home, dir) => {
  const port = await freePort();
  const file = join(dir, "opsdeck.yml");
  writeFileSync(file, stringify({ log: { level: "warn" }, exporters: { pm2: { port, pm2_home: home } } }));
  const proc = spawnProc(
    "pm2-exporter",
    process.execPath,
    [...SERVICE_NODE_FLAGS, join(REPO, "dist/exporter.mjs"), "pm2", "--config", file],
    { env: process.env },
  );
  await waitUntil("pm2 exporter", () => httpOk(`http://127.0.0.1:${port}/healthz`), { proc });
  return { proc, port };
};

const throughPm2Client: Start = async (home) => {
  const port = await freePort();
  const proc = spawnProc(
    "pm2-client-exporter",
    process.execPath,
    [...SERVICE_NODE_FLAGS, join(REPO, "dist/bench-pm2-client-exporter.mjs"), String(port)],
    { env: { ...process.env, PM2_HOME: home } },
  );
  await waitUntil("pm2-client exporter", () => httpOk(`http://127.0.0.1:${port}/healthz`), { proc });
  return { proc, port };
};

async function run(label: string, start: Start): Promise<Row> {
  const dir = tempDir("bench-pm2-memory");
  const home = join(dir, "pm2");
  const procs: Proc[] = [];
  try {
    await pm2(home, ["ping"]);
    const { proc: exporter, port } = await start(home, dir);
    procs.push(exporter);
    const pid = exporter.child.pid!;
    await sleep(2000);
    const idle = rssBytes(pid);
    const sampler = peakSampler(pid);
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    for (let start = 0; start < APPS; start += BATCH) {
      const eco = join(dir, `eco-${start}.json`);
      const apps = Array.from({ length: Math.min(BATCH, APPS - start) }, (_, i) => ({
        name: `app${start + i}`,
        script: "sleep",
        args: "100000",
        interpreter: "none",
        autorestart: false,
        env: { OPSDECK_BENCH_PADDING: "x".repeat(ENV_BYTES) },
      }));
      writeFileSync(eco, JSON.stringify({ apps }));
      await pm2(home, ["start", eco], { timeoutMs: 600_000 });
    }
    // The bus events of the last starts are still arriving: let them settle.
    await sleep(5000);
    const adding = { peak: sampler.peak, seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(pid) - cpu0 };
    const scraped = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const up = scraped.split("\n").filter((l) => l.startsWith("pm2_process_up{")).length;
    sampler.reset();
    const steadyCpu0 = cpuSeconds(pid);
    const steady0 = performance.now();
    for (let i = 0; i < 4; i++) {
      await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      await sleep(15_000);
    }
    sampler.stop();
    const steadyCores = (cpuSeconds(pid) - steadyCpu0) / ((performance.now() - steady0) / 1000);
    return {
      exporter: label,
      processes: up,
      rss_idle_mb: mb(idle),
      rss_peak_adding_mb: mb(adding.peak),
      cpu_s_adding: Math.round(adding.cpu * 10) / 10,
      adding_s: Math.round(adding.seconds),
      rss_steady_mb: mb(rssBytes(pid)),
      rss_peak_steady_mb: mb(sampler.peak),
      cpu_cores_steady: Math.round(steadyCores * 1000) / 1000,
    };
  } finally {
    for (const p of procs) await p.stop();
    await pm2(home, ["kill"], { timeoutMs: 120_000 }).catch(() => undefined);
  }
}

export async function benchPm2Memory(): Promise<Row[]> {
  return [
    await run("opsdeck: streamed, --optimize-for-size (what runs)", opsdeck),
    await run("opsdeck: streamed, the other services' flags", opsdeckServiceFlags),
    await run("comparison: through pm2's client (before)", throughPm2Client),
  ];
}

// PM2 exporter /metrics latency, body size and PM2 daemon CPU at 100 and 500 processes:
// OpsDeck's cached snapshot against the on-demand pattern, in the same run.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, httpOk, pm2, REPO, spawnProc, launchExporter, waitUntil, type Proc } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { cpuSeconds, memory, summary, timed, type Row } from "@opsdeck/stack/bench-stats";

const RATE_HZ = 10;
const SCRAPES = 200;

/** Scrapes at a fixed rate (so the daemon's CPU is comparable); returns latencies and body size. */
async function scrapeRun(url: string, daemonPid: number) {
  const cpu0 = cpuSeconds(daemonPid);
  const t0 = performance.now();
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const due = t0 + (i * 1000) / RATE_HZ;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [t, body] = await timed(async () => (await fetch(`${url}/metrics`)).text());
    ms.push(t);
    bytes = Buffer.byteLength(body);
  }
  const wall = (performance.now() - t0) / 1000;
  return {
    ...summary(ms),
    body_kb: Math.round(bytes / 1024),
    daemon_cpu_pct: Math.round(((cpuSeconds(daemonPid) - cpu0) / wall) * 1000) / 10,
  };
}

export async function benchPm2(sizes = [100, 500]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const dir = tempDir(`bench-pm2-${n}`);
    const home = join(dir, "pm2");
    const procs: Proc[] = [];
    try {
      await pm2(home, ["ping"]);
      const eco = join(dir, "eco.json");
      // `sleep` under PM2: real processes with real pids for pidusage, without 500 Node heaps.
      const apps = Array.from({ length: n }, (_, i) => ({
        name: `app${i % 50}`,
        script: "sleep",
        args: "100000",
        interpreter: "none",
        autorestart: false,
      }));
      writeFileSync(eco, JSON.stringify({ apps }));
      await pm2(home, ["start", eco], { timeoutMs: 600_000 });
      const daemonPid = Number(readFileSync(join(home, "pm2.pid"), "utf8"));

      const port = await freePort();
      const file = join(dir, "opsdeck.yml");
      writeFileSync(file, stringify({ log: { level: "warn" }, exporters: { pm2: { port, pm2_home: home } } }));
      const cached = await launchExporter("pm2", { configFile: file, url: `http://127.0.0.1:${port}` });
      procs.push(cached);
      await new Promise((r) => setTimeout(r, 1500)); // first refresh done
      rows.push({
        processes: n,
        exporter: "opsdeck (cached snapshot)",
        ...(await scrapeRun(`http://127.0.0.1:${port}`, daemonPid)),
        ...memory(cached.child.pid!),
      });
      await cached.stop();

      const odPort = await freePort();
      const od = spawnProc(
        "on-demand",
        process.execPath,
        [join(REPO, "dist/bench-on-demand-pm2.mjs"), String(odPort)],
        {
          env: { ...process.env, PM2_HOME: home },
        },
      );
      procs.push(od);
      await waitUntil("on-demand exporter", () => httpOk(`http://127.0.0.1:${odPort}/healthz`), { proc: od });
      rows.push({
        processes: n,
        exporter: "on-demand (pm2.list per scrape)",
        ...(await scrapeRun(`http://127.0.0.1:${odPort}`, daemonPid)),
        ...memory(od.child.pid!),
      });
    } finally {
      for (const p of procs) await p.stop();
      await pm2(home, ["kill"], { timeoutMs: 120_000 }).catch(() => undefined);
    }
  }
  return rows;
}

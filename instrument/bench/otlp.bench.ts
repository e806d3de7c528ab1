// Prometheus' OTLP receiver fed by eight cluster workers, beside Prometheus scraping the same
// series from the same eight: one Prometheus per way, in the same run, each given WINDOW_S after
// a warm-up. Each worker keeps the request histogram for 40 routes × 3 statuses (2,040 series;
// 16,320 in all) and pushes or is scraped every 5 s, then every second (five times the samples). What it costs Prometheus: CPU
// seconds per second of its own process, samples appended per second, and its RSS.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort, promQuery, startTestPrometheus, waitUntil } from "@opsdeck/stack";
import { cpuSeconds, memory, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";

const WORKERS = 8;
const INTERVALS_S = [5, 1];
const WINDOW_S = Number(process.env.OPSDECK_BENCH_OTLP_WINDOW_S ?? 60);
const WORKER = join(import.meta.dirname, "otlp-worker.mjs");

type Way = "OTLP push (the preload's)" | "scrape (prom-client /metrics)";

async function measure(way: Way, intervalS: number): Promise<Row> {
  const dir = tempDir("bench-otlp");
  const ports = await Promise.all(Array.from({ length: WORKERS }, () => freePort()));
  const scrape = way.startsWith("scrape");
  // The scrape targets go under an existing job of prometheus.yml (its own jobs: nothing else there).
  const prom = await startTestPrometheus({
    dir: join(dir, "prometheus"),
    scrapeInterval: `${intervalS}s`,
    ruleFiles: [],
    targets: scrape ? { business: ports.map((p) => `127.0.0.1:${p}`) } : {},
  });
  const workers: ChildProcess[] = ports.map((port, worker) =>
    spawn(
      process.execPath,
      scrape
        ? [WORKER, "scrape", String(worker), String(port)]
        : [WORKER, "otlp", String(worker), `${prom.url}/api/v1/otlp/v1/metrics`, String(intervalS * 1000)],
      { stdio: "ignore" },
    ),
  );
  try {
    const series = scrape
      ? 'count(http_server_request_duration_seconds_bucket{job="business"})'
      : 'count(http_server_request_duration_seconds_bucket{job="bench-otlp"})';
    await waitUntil(
      `${way}: every worker's series`,
      async () => Number((await promQuery(prom.url, series))[0]?.value[1] ?? 0) >= WORKERS * 120 * 15,
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await new Promise((r) => setTimeout(r, 2 * intervalS * 1000)); // a settled head
    const pid = prom.proc.child.pid!;
    const appended = async () =>
      Number(
        (await promQuery(prom.url, "prometheus_tsdb_head_samples_appended_total"))
          .map((s) => Number(s.value[1]))
          .reduce((a, b) => a + b, 0),
      );
    const [cpu0, samples0, t0] = [cpuSeconds(pid), await appended(), performance.now()];
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const [cpu1, samples1, t1] = [cpuSeconds(pid), await appended(), performance.now()];
    const seconds = (t1 - t0) / 1000;
    return {
      way,
      workers: WORKERS,
      series: Number((await promQuery(prom.url, series))[0]?.value[1] ?? 0),
      every_s: intervalS,
      "samples/s": Math.round((samples1 - samples0) / seconds),
      "prometheus CPU %": Math.round(((cpu1 - cpu0) / seconds) * 1000) / 10,
      "prometheus RSS MB": memory(pid).rss_mb,
    };
  } finally {
    for (const w of workers) w.kill();
    await prom.proc.stop();
  }
}

export async function benchOtlp(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const interval of INTERVALS_S)
    for (const way of ["OTLP push (the preload's)", "scrape (prom-client /metrics)"] as Way[])
      rows.push(await measure(way, interval));
  return rows;
}

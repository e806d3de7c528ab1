// Many probes on one blackbox_exporter: N HTTP probes (each its own module, as OpsDeck writes
// them) of a local page, scraped by Prometheus every 15 s as in production — blackbox's and
// Prometheus' CPU and memory per N, the N = 50 run beside the 500 one in the same run. Then the
// Probes page's own question for availability over 90 days, from the 5-minute recording rule
// (backfilled for 50 probes) beside the same answer from the raw 15-second samples.
import { createServer } from "node:http";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { probeListSchema } from "@opsdeck/core";
import { writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import { startBlackbox } from "../src/blackbox.ts";
import { cpuSeconds, percentile, rssBytes, timed, type Row } from "../src/bench-stats.ts";
import { freePort, stopAll, type Proc } from "../src/procs.ts";
import { BIN, promQuery, startTestPrometheus } from "../src/prometheus.ts";
import { tempDir } from "../src/testkit.ts";
import { execFileSync } from "node:child_process";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => Math.round(b / 2 ** 20);
const WINDOW_S = 120;

export async function benchProbes(counts = (process.env.OPSDECK_BENCH_PROBES ?? "50,500").split(",").map(Number)) {
  const page = createServer((_req, res) => res.end("<h1>shop</h1><button>加入购物车</button>"));
  const pagePort = await freePort();
  await new Promise<void>((r) => page.listen(pagePort, "127.0.0.1", r));
  const load: Row[] = [];
  try {
    for (const n of counts) {
      const dir = tempDir(`bench-probes-${n}`);
      const files = { targetsDir: join(dir, "targets"), blackboxFile: join(dir, "blackbox.yml") };
      const probes = probeListSchema.parse(
        Array.from({ length: n }, (_, i) => ({
          name: `page-${i}`,
          type: "http",
          target: `http://127.0.0.1:${pagePort}/p/${i}`,
          http: { keyword: "加入购物车" },
        })),
      );
      writeProbeFiles(files, probes);
      const procs: Proc[] = [];
      try {
        const box = await startBlackbox({ port: await freePort(), configFile: files.blackboxFile });
        procs.push(box.proc);
        const prom = await startTestPrometheus({
          dir: join(dir, "prometheus"),
          scrapeInterval: "15s",
          probes: { targetsDir: files.targetsDir, blackbox: new URL(box.url).host },
        });
        procs.push(prom.proc);
        await sleep(20_000); // every target scraped once
        const pids = [box.proc.child.pid!, prom.proc.child.pid!];
        const cpu0 = pids.map(cpuSeconds);
        const peak = [0, 0];
        for (let t = 0; t < WINDOW_S; t += 5) {
          pids.forEach((pid, i) => (peak[i] = Math.max(peak[i], rssBytes(pid))));
          await sleep(5000);
        }
        const cpu = pids.map((pid, i) => (cpuSeconds(pid) - cpu0[i]) / WINDOW_S);
        const ok = await promQuery(prom.url, 'count(probe_success{job="probes"} == 1)');
        load.push({
          probes: n,
          succeeding: Number(ok[0]?.value[1] ?? 0),
          "blackbox cpu %": Math.round(cpu[0] * 1000) / 10,
          "blackbox rss MB (peak)": mb(peak[0]),
          "prometheus cpu %": Math.round(cpu[1] * 1000) / 10,
          "prometheus rss MB (peak)": mb(peak[1]),
        });
      } finally {
        await stopAll(procs);
      }
    }
    return { load, page: await pageQuery() };
  } finally {
    page.close();
  }
}

/**
 * 90 days of probes, backfilled (promtool, OpenMetrics): the recording rule's 5-minute averages
 * for 50 probes, and the raw 15-second samples for 5 of them (50 would be 26 million samples to
 * write here); the 90-day availability per probe asked of each.
 */
async function pageQuery(): Promise<Row[]> {
  const dir = tempDir("bench-probes-90d");
  const now = Math.floor(Date.now() / 1000 / 300) * 300;
  const from = now - 90 * 86_400;
  const file = join(dir, "series.om");
  const out = createWriteStream(file);
  const write = (line: string) =>
    out.write(line) ? undefined : new Promise<void>((r) => out.once("drain", () => r()));
  await write("# TYPE probe_success gauge\n");
  for (let p = 0; p < 5; p++)
    for (let t = from; t < now; t += 15)
      await write(
        `probe_success{job="probes",probe="page-${p}",host="bench"} ${(t / 15 + p) % 997 === 0 ? 0 : 1} ${t}\n`,
      );
  await write("# TYPE probe:success:avg5m gauge\n");
  for (let p = 0; p < 50; p++)
    for (let t = from; t < now; t += 300)
      await write(`probe:success:avg5m{job="probes",probe="page-${p}",host="bench"} 0.999 ${t}\n`);
  await write("# EOF\n");
  await new Promise<void>((r) => out.end(r));
  const data = join(dir, "prometheus", "data");
  execFileSync(BIN.promtool, ["tsdb", "create-blocks-from", "openmetrics", file, data], { stdio: "ignore" });
  const prom = await startTestPrometheus({ dir: join(dir, "prometheus") });
  try {
    const ask = async (query: string, series: number) => {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [took, r] = await timed(() => promQuery(prom.url, query));
        if (r.length !== series) throw new Error(`${query}: ${r.length} series, not ${series}`);
        ms.push(took);
      }
      ms.sort((a, b) => a - b);
      return { n: ms.length, p50_ms: Math.round(percentile(ms, 50)), p95_ms: Math.round(percentile(ms, 95)) };
    };
    return [
      {
        what: "90-day availability, 50 probes, from probe:success:avg5m (what the page asks)",
        ...(await ask("avg_over_time(probe:success:avg5m[90d])", 50)),
      },
      {
        what: "the same, 5 probes",
        ...(await ask('avg_over_time(probe:success:avg5m{probe=~"page-[0-4]"}[90d])', 5)),
      },
      {
        what: "5 probes from the raw 15 s samples (comparison)",
        ...(await ask("avg_over_time(probe_success[90d])", 5)),
      },
    ];
  } finally {
    await prom.proc.stop();
  }
}

// Many probes on one blackbox_exporter: N HTTP probes (each its own module, as OpsDeck writes
// them) of a local page, scraped by Prometheus every 15 s as in production — blackbox's and
// Prometheus' CPU and memory per N, the N = 50 run beside the 500 one in the same run.
import { createServer } from "node:http";
import { join } from "node:path";
import { probeListSchema } from "@opsdeck/core";
import { blackboxConfigFile, writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import { startBlackbox } from "../src/blackbox.ts";
import { cpuSeconds, rssBytes, type Row } from "../src/bench-stats.ts";
import { freePort, stopAll, type Proc } from "../src/procs.ts";
import { promQuery, startTestPrometheus } from "../src/prometheus.ts";
import { tempDir } from "../src/testkit.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => Math.round(b / 2 ** 20);
const WINDOW_S = 120;

export async function benchProbeLoad(counts = (process.env.OPSDECK_BENCH_PROBES ?? "50,500").split(",").map(Number)) {
  const page = createServer((_req, res) => res.end("<h1>shop</h1><button>加入购物车</button>"));
  const pagePort = await freePort();
  await new Promise<void>((r) => page.listen(pagePort, "127.0.0.1", r));
  const load: Row[] = [];
  try {
    for (const n of counts) {
      const dir = tempDir(`bench-probes-${n}`);
      const files = { targetsDir: join(dir, "targets"), source: "opsdeck" as const };
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
        const box = await startBlackbox({ port: await freePort(), configFile: blackboxConfigFile(files.targetsDir) });
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
    return load;
  } finally {
    page.close();
  }
}

// What OpsDeck's preload costs an app: the same Express app (instrument/test/shop.cjs) with and
// without `--require dist/instrument.cjs`, in the same run, rounds alternating so drift hits both
// alike; a closed loop of keep-alive clients on one route template, the preload exporting every
// 15 s into a real Prometheus' OTLP receiver as in production.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { join } from "node:path";
import { freePort, httpOk, startTestPrometheus, waitUntil } from "@opsdeck/stack";
import { memory, percentile, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";
import { INSTRUMENT } from "../../scripts/build.ts";

const APP = join(import.meta.dirname, "../test/shop.cjs");
const CLIENTS = 16;
const ROUND_S = Number(process.env.OPSDECK_BENCH_ROUND_S ?? 10);
const ROUNDS = 3;

type Variant = "without preload" | "with preload";

async function startApp(variant: Variant, otlp: string) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...(variant === "with preload" ? ["--require", INSTRUMENT] : []), APP],
    {
      env: {
        ...process.env,
        PORT: String(port),
        OTEL_SERVICE_NAME: "bench-shop",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: otlp,
        OPSDECK_HOST_NAME: "bench",
      },
      stdio: "ignore",
    },
  );
  await waitUntil(variant, () => httpOk(`http://127.0.0.1:${port}/products/1`));
  return { child, port };
}

/** CLIENTS closed-loop clients for `seconds`: each request's latency (ms). */
async function load(port: number, seconds: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const until = performance.now() + seconds * 1000;
  const ms: number[] = [];
  const one = (id: number) =>
    new Promise<void>((resolve, reject) => {
      const t = performance.now();
      http
        .get({ host: "127.0.0.1", port, path: `/products/${id}`, agent }, (res) => {
          res.resume();
          res.on("end", () => {
            ms.push(performance.now() - t);
            resolve();
          });
        })
        .on("error", reject);
    });
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) await one(c * 1_000_000 + i);
    }),
  );
  agent.destroy();
  return ms;
}

export async function benchPreload(): Promise<Row[]> {
  const dir = tempDir("bench-preload");
  const prom = await startTestPrometheus({ dir: join(dir, "prometheus"), ruleFiles: [] });
  const otlp = `${prom.url}/api/v1/otlp/v1/metrics`;
  const variants: Variant[] = ["without preload", "with preload"];
  const apps = {
    "without preload": await startApp(variants[0], otlp),
    "with preload": await startApp(variants[1], otlp),
  };
  const seen: Record<Variant, { ms: number[]; seconds: number }> = {
    "without preload": { ms: [], seconds: 0 },
    "with preload": { ms: [], seconds: 0 },
  };
  try {
    for (const v of variants) await load(apps[v].port, 2); // warm-up: JIT, routes, the first export
    for (let round = 0; round < ROUNDS; round++)
      for (const v of round % 2 ? [...variants].reverse() : variants) {
        seen[v].ms.push(...(await load(apps[v].port, ROUND_S)));
        seen[v].seconds += ROUND_S;
      }
    return variants.map((v) => {
      const sorted = [...seen[v].ms].sort((a, b) => a - b);
      const r = (x: number) => Math.round(x * 100) / 100;
      return {
        app: v,
        requests: sorted.length,
        "req/s": Math.round(sorted.length / seen[v].seconds),
        p50_ms: r(percentile(sorted, 50)),
        p99_ms: r(percentile(sorted, 99)),
        "rss MB": memory(apps[v].child.pid!).rss_mb,
      };
    });
  } finally {
    for (const v of variants) apps[v].child.kill();
    await prom.proc.stop();
  }
}

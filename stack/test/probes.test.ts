// Probes on the real blackbox_exporter, found by the real Prometheus through the files OpsDeck
// writes from opsdeck.yml's probes: a page with its keyword (then without), a TCP listener (then
// gone), and a probe added while both run — no restart of either.
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeListSchema } from "@opsdeck/core";
import { writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import { freePort, promQuery, startBlackbox, startTestPrometheus, stopAll, type Proc } from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("probes");
const files = { targetsDir: join(dir, "targets"), blackboxFile: join(dir, "blackbox.yml") };
const procs: Proc[] = [];
let prom: string;
let blackbox: string;
let shop: Server;
let shopPage = "<h1>Demo shop</h1><button>加入购物车</button>";
let tcp: TcpServer;
const ports = { shop: 0, tcp: 0 };

const probes = () =>
  probeListSchema.parse([
    {
      name: "shop-home",
      type: "http",
      target: `http://127.0.0.1:${ports.shop}/`,
      http: { keyword: "加入购物车" },
      labels: { project: "shop" },
    },
    { name: "shop-port", type: "tcp", target: `127.0.0.1:${ports.tcp}` },
  ]);

beforeAll(async () => {
  ports.shop = await freePort();
  ports.tcp = await freePort();
  shop = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(shopPage));
  await new Promise<void>((r) => shop.listen(ports.shop, "127.0.0.1", r));
  tcp = createTcpServer((socket) => socket.end());
  await new Promise<void>((r) => tcp.listen(ports.tcp, "127.0.0.1", r));
  writeProbeFiles(files, probes());
  const box = await startBlackbox({ port: await freePort(), configFile: files.blackboxFile });
  procs.push(box.proc);
  blackbox = box.url;
  const p = await startTestPrometheus({
    dir: join(dir, "prometheus"),
    scrapeInterval: "1s",
    probes: { targetsDir: files.targetsDir, blackbox: new URL(blackbox).host },
  });
  procs.push(p.proc);
  prom = p.url;
});

afterAll(async () => {
  await stopAll(procs);
  shop?.close();
  tcp?.close();
});

const success = async (probe: string) => (await promQuery(prom, `probe_success{probe="${probe}"}`))[0]?.value[1];

describe("probes", () => {
  it("says a page is up while it holds its keyword, and down — because of the keyword — once it does not", async () => {
    await eventually(
      () => success("shop-home"),
      (v) => v === "1",
      30_000,
    );
    const [series] = await promQuery(prom, 'probe_success{probe="shop-home"}');
    expect(series.metric).toMatchObject({
      job: "probes",
      probe: "shop-home",
      probe_type: "http",
      project: "shop",
      instance: `http://127.0.0.1:${ports.shop}/`,
    });
    shopPage = "<h1>Demo shop</h1><p>Service unavailable</p>";
    await eventually(
      () => success("shop-home"),
      (v) => v === "0",
      15_000,
    );
    // Why, as a series: the status was fine, the keyword check failed.
    const why = await promQuery(prom, 'probe_failed_due_to_regex{probe="shop-home"}');
    expect(why[0]?.value[1]).toBe("1");
    expect((await promQuery(prom, 'probe_http_status_code{probe="shop-home"}'))[0]?.value[1]).toBe("200");
  }, 60_000);

  it("says a port is down once nothing listens on it", async () => {
    await eventually(
      () => success("shop-port"),
      (v) => v === "1",
      30_000,
    );
    await new Promise<void>((r) => tcp.close(() => r()));
    await eventually(
      () => success("shop-port"),
      (v) => v === "0",
      15_000,
    );
  }, 60_000);

  it("runs a probe added while blackbox and Prometheus run, without restarting either", async () => {
    const started = procs.map((p) => p.child.pid);
    const added = [
      ...probes(),
      {
        name: "shop-health",
        type: "http" as const,
        target: `http://127.0.0.1:${ports.shop}/health`,
        http: { status: [200] },
      },
    ];
    expect(writeProbeFiles(files, probeListSchema.parse(added))).toHaveLength(2);
    await eventually(
      () => promQuery(prom, 'probe_success{probe="shop-health"}'),
      (r) => r[0]?.value[1] === "1",
      30_000,
    );
    expect(procs.map((p) => p.child.pid)).toEqual(started);
    expect(procs.every((p) => p.child.exitCode === null)).toBe(true);
    // Unchanged probes leave the files as they are.
    expect(writeProbeFiles(files, probeListSchema.parse(added))).toEqual([]);
  }, 60_000);
});

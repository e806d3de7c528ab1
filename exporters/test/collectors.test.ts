// Business pull collectors: a JSON endpoint read on a node-cron schedule sets gauges; a broken
// endpoint is counted, not fatal.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import { eventually, scrape, tempDir, writeConfig, type TestConfig } from "@opsdeck/stack/testkit";

let cfg: TestConfig;
const procs: Proc[] = [];
let source: Server;
let answer: unknown = { data: { stock: { total: 42 }, queues: [{ depth: "7" }] } };

beforeAll(async () => {
  source = createServer((req, res) => {
    if (req.headers.authorization !== "Bearer source-token") return void res.writeHead(401).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => source.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(source.address() as { port: number }).port}/stats`;
  cfg = await writeConfig(tempDir("collectors"), {
    business: {
      metrics: [
        { name: "shop_stock_items", type: "gauge", help: "Items in stock." },
        {
          name: "shop_queue_depth",
          type: "gauge",
          help: "Jobs waiting.",
          labels: [{ name: "queue", values: ["payments"] }],
        },
      ],
      collectors: [
        {
          name: "warehouse",
          schedule: "* * * * * *",
          url,
          headers: { authorization: "Bearer source-token" },
          values: [
            { metric: "shop_stock_items", path: "data.stock.total" },
            { metric: "shop_queue_depth", path: "data.queues.0.depth", labels: { queue: "payments" } },
          ],
        },
      ],
    },
  });
  procs.push(await launchExporter("business", { configFile: cfg.file, url: cfg.urls.business }));
});
afterAll(async () => {
  await stopAll(procs);
  source.close();
});

describe("pull collectors", () => {
  it("set gauges from values at paths", async () => {
    // The gauges are set before the run is counted: wait for both.
    const runs = 'opsdeck_business_collector_runs_total{collector="warehouse",result="success"}';
    const m = await eventually(
      () => scrape(cfg.urls.business),
      (x) => x.get("shop_stock_items") === 42 && (x.get(runs) ?? 0) >= 1,
      10_000,
    );
    expect(m.get('shop_queue_depth{queue="payments"}')).toBe(7);
  });

  it("count a bad answer as a failure and keep running", async () => {
    answer = { data: { stock: { total: "lots" } } };
    await eventually(
      () => scrape(cfg.urls.business),
      (x) => (x.get('opsdeck_business_collector_runs_total{collector="warehouse",result="failure"}') ?? 0) >= 1,
      10_000,
    );
    answer = { data: { stock: { total: 40 }, queues: [{ depth: 1 }] } };
    await eventually(
      () => scrape(cfg.urls.business),
      (x) => x.get("shop_stock_items") === 40,
      10_000,
    );
  });
});

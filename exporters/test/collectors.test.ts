// Business pull collectors: a JSON endpoint read on a node-cron schedule sets gauges; a broken
// endpoint is counted, not fatal.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import { eventually, scrape, tempDir, writeConfig, type TestConfig } from "@opsdeck/stack/testkit";

let cfg: TestConfig;
const procs: Proc[] = [];
let source: Server;
let elsewhere: Server;
const seenElsewhere: (string | undefined)[] = [];
let answer: unknown = { data: { stock: { total: 42 }, queues: [{ depth: "7" }] } };
const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
};

beforeAll(async () => {
  // Another origin (another port): a redirect there must not carry the collector's headers.
  elsewhere = createServer((req, res) => {
    seenElsewhere.push(req.headers.authorization);
    res.writeHead(200, { "content-type": "application/json" }).end('{"backlog": 1}');
  });
  const elsewhereUrl = await listen(elsewhere);
  source = createServer((req, res) => {
    if (req.headers.authorization !== "Bearer source-token") return void res.writeHead(401).end();
    const path = req.url!.split("?")[0];
    if (path === "/moved") return void res.writeHead(302, { location: `${elsewhereUrl}/stats` }).end();
    if (path === "/here") return void res.writeHead(302, { location: "/backlog" }).end();
    if (path === "/backlog") return void res.writeHead(200).end('{"backlog": 5}');
    if (path === "/huge") return void res.writeHead(200).end(`{"backlog": 1, "pad": "${"x".repeat(2_000_000)}"}`);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  const base = await listen(source);
  const url = `${base}/stats`;
  const headers = { authorization: "Bearer source-token" };
  const backlog = (name: string, path: string) => ({
    name,
    schedule: "* * * * * *",
    url: `${base}${path}`,
    headers,
    values: [{ metric: "shop_backlog_items", path: "backlog", labels: { via: name } }],
  });
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
        {
          name: "shop_backlog_items",
          type: "gauge",
          help: "Orders not yet shipped.",
          labels: [{ name: "via", values: ["moved", "here", "huge"] }],
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
        backlog("moved", "/moved?token=secret-in-query"),
        backlog("here", "/here"),
        { ...backlog("huge", "/huge"), max_body_bytes: 1_048_576 },
      ],
    },
  });
  procs.push(await launchExporter("business", { configFile: cfg.file, url: cfg.urls.business }));
});
afterAll(async () => {
  await stopAll(procs);
  source.close();
  elsewhere.close();
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

  it("follow redirects only within the same origin, cap the answer, and log no query string", async () => {
    const runs = (name: string, result: string) =>
      `opsdeck_business_collector_runs_total{collector="${name}",result="${result}"}`;
    const metrics = await eventually(
      () => scrape(cfg.urls.business),
      (x) => (x.get(runs("moved", "failure")) ?? 0) >= 2 && (x.get(runs("huge", "failure")) ?? 0) >= 2,
      10_000,
    );
    expect(metrics.get('shop_backlog_items{via="here"}')).toBe(5); // same origin: followed
    expect(metrics.get('shop_backlog_items{via="moved"}')).toBeUndefined();
    expect(metrics.get('shop_backlog_items{via="huge"}')).toBeUndefined();
    expect(seenElsewhere).toEqual([]); // never asked, so never given the token
    const logs = procs[0].tail(200);
    expect(logs).toMatch(/redirected to another origin/);
    expect(logs).toMatch(/larger than 1048576 bytes/);
    expect(logs).not.toContain("secret-in-query");
  });
});
